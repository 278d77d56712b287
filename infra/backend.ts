import { GcsBackend, LocalBackend, S3Backend, type TerraformStack } from 'cdktf';

/**
 * Where Terraform keeps the state, chosen when the stacks are synthesized: an operator trying the
 * proxy gets a local file; a team sets `JTP_STATE_BACKEND=s3` or `gcs` (or the cdktf context key
 * `stateBackend`) and shares one locked, encrypted state. docs/OPERATORS.md#state lists the keys.
 */
export const STATE_SETTINGS = {
  backend: ['stateBackend', 'JTP_STATE_BACKEND'],
  bucket: ['stateBucket', 'JTP_STATE_BUCKET'],
  prefix: ['statePrefix', 'JTP_STATE_PREFIX'],
  region: ['stateRegion', 'JTP_STATE_REGION'],
} as const;

type Setting = keyof typeof STATE_SETTINGS;

export function configureBackend(stack: TerraformStack, name: string): void {
  const get = (s: Setting): string | undefined => {
    const [context, env] = STATE_SETTINGS[s];
    const value = stack.node.tryGetContext(context) ?? process.env[env];
    return value === undefined || value === '' ? undefined : String(value);
  };
  const required = (s: Setting, kind: string): string => {
    const value = get(s);
    if (value === undefined)
      throw new Error(
        `${STATE_SETTINGS.backend[1]}=${kind} needs ${STATE_SETTINGS[s][1]} (or context ${STATE_SETTINGS[s][0]})`,
      );
    return value;
  };
  const prefix = get('prefix') ?? 'jira-token-proxy';
  const kind = get('backend') ?? 'local';
  switch (kind) {
    case 'local':
      // Outside the generated directory, which a re-synth may replace.
      new LocalBackend(stack, { path: `../../../terraform-state/${name}.tfstate` });
      return;
    case 's3':
      new S3Backend(stack, {
        bucket: required('bucket', kind),
        key: `${prefix}/${name}.tfstate`,
        region: get('region'),
        encrypt: true,
      });
      // S3's own conditional-write lock (Terraform >= 1.10): no DynamoDB table to manage.
      stack.addOverride('terraform.backend.s3.use_lockfile', true);
      return;
    case 'gcs':
      // GCS locks the state with a lock object of its own; objects are encrypted at rest.
      new GcsBackend(stack, { bucket: required('bucket', kind), prefix: `${prefix}/${name}` });
      return;
    default:
      throw new Error(`${STATE_SETTINGS.backend[1]} must be local, s3 or gcs, not "${kind}"`);
  }
}
