import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox';
import { pseudonymize } from '../../src/transforms';
import { type Captured, GOLDEN_SALT, readGolden } from '../golden/capture';
import { capturePipeline, PIPELINE_CASES, startPipelineProxy } from '../golden/pipeline';
import type { TestProxy } from '../helpers/proxy';

/**
 * Issue 24: every pipeline endpoint of `jira-cloud-pseudonymized` and `jira-software-pseudonymized`
 * through the running proxy (POSTs with their bodies) against its golden file, and what the answers
 * may hold: no person's raw account id, address or name, and the same token as every other endpoint
 * gives the same person.
 */

const REGENERATE = 'if on purpose, run `npx tsx test/golden/generate.ts` and review the diff';

let sandbox: Sandbox;
let proxy: TestProxy;
let live: Captured[];

beforeAll(async () => {
  sandbox = await startSandbox();
  proxy = await startPipelineProxy(GOLDEN_SALT, { existingSandbox: sandbox });
  live = await capturePipeline(proxy);
});
afterAll(async () => {
  await proxy?.close();
  await sandbox?.close();
});

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every value of `key` anywhere in `doc`. */
function valuesOf(doc: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(doc)) for (const d of doc) valuesOf(d, key, out);
  else if (isObject(doc))
    for (const [k, v] of Object.entries(doc)) k === key ? out.push(v) : valuesOf(v, key, out);
  return out;
}

describe('every pipeline endpoint against its golden file', () => {
  it.each(Object.keys(PIPELINE_CASES))('%s', (name) => {
    const got = live.find((c) => c.endpoint === name) as Captured;
    const golden = readGolden(name);
    expect(got.request).toBe(golden.request);
    expect(got.upstream, 'the sandbox received another request').toBe(golden.upstream);
    expect(got.original, `the sandbox's data changed: ${REGENERATE}`).toEqual(golden.original);
    expect(got.pseudonymized, `the proxy's output changed: ${REGENERATE}`).toEqual(golden.pseudonymized);
    expect(got.body).toBe(JSON.stringify(golden.pseudonymized));
  });
});

describe('what the pseudonymized pipeline answers hold', () => {
  it('no raw account id, email address or display name of any original survives', () => {
    let people = 0;
    for (const c of live) {
      const raw = [
        ...valuesOf(c.original, 'accountId'),
        ...valuesOf(c.original, 'displayName'),
        ...valuesOf(c.original, 'emailAddress').map((e) => String(e).slice(0, String(e).indexOf('@') + 1)),
      ].filter((v): v is string => typeof v === 'string' && v.length > 3);
      people += raw.length;
      for (const word of raw) expect(c.body, `${c.endpoint} leaks a person`).not.toContain(word);
    }
    expect(people).toBeGreaterThan(50);
  });

  it("a person gets the same token on every endpoint: Psoxy's pseudonym of their account id", () => {
    let checked = 0;
    for (const c of live) {
      // an allow-list may drop some people (embedded comments), never change one into another
      const tokens = new Set(valuesOf(c.original, 'accountId').map((id) => pseudonymize(id, GOLDEN_SALT)));
      for (const token of valuesOf(c.pseudonymized, 'accountId')) {
        expect(tokens.has(token as string), `${c.endpoint}: ${String(token)}`).toBe(true);
        checked++;
      }
    }
    // bulk changelogs, worklogs, users and sprint issues all name people
    expect(checked).toBeGreaterThan(50);
  });

  it('metadata passes: server info keeps its deployment type, counts their number', () => {
    const info = live.find((c) => c.endpoint === 'server-info')?.pseudonymized as Json | undefined;
    expect(info?.deploymentType).toBe('Cloud');
    expect(live.find((c) => c.endpoint === 'search-approximate-count')?.pseudonymized).toEqual({ count: 30 });
  });
});
