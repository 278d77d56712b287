import { rmSync } from 'node:fs';
import { type App, Testing } from 'cdktf';
import { AwsProxyStack } from '../../infra/aws-stack';
import { GcpProxyStack } from '../../infra/gcp-stack';

/** Synthesized Terraform JSON, parsed (objects keyed by block type, then resource type, then name). */
// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is walked dynamically by the tests.
export type Tf = Record<string, any>;

/** Testing.app() writes to a fresh temp directory it never removes: synth there, then clean up. */
function synth(build: (app: App) => Parameters<typeof Testing.synth>[0]): Tf {
  const app = Testing.app();
  try {
    return JSON.parse(Testing.synth(build(app)));
  } finally {
    rmSync(app.outdir, { recursive: true, force: true });
  }
}

export function synthAws(): Tf {
  return synth((app) => new AwsProxyStack(app, 'aws'));
}

export function synthGcp(): Tf {
  return synth((app) => new GcpProxyStack(app, 'gcp'));
}

/** Every string anywhere in the document, with its JSON path. */
export function strings(node: unknown, path = '$'): { path: string; value: string }[] {
  if (typeof node === 'string') return [{ path, value: node }];
  if (Array.isArray(node)) return node.flatMap((n, i) => strings(n, `${path}[${i}]`));
  if (node && typeof node === 'object')
    return Object.entries(node).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  return [];
}

/** The statements of an aws_iam_policy_document, keyed by sid. */
export function statements(tf: Tf, doc: string): Record<string, Tf> {
  const list: Tf[] = tf.data.aws_iam_policy_document[doc].statement;
  return Object.fromEntries(list.map((s, i) => [s.sid ?? String(i), s]));
}
