import { rmSync } from 'node:fs';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AwsProxyStack } from '../../infra/aws-stack';
import { GcpProxyStack } from '../../infra/gcp-stack';
import type { Tf } from './synth';

/** The `terraform` block of a stack synthesized with the given cdktf context. */
function terraformBlock(cloud: 'aws' | 'gcp', context: Record<string, string>): Tf {
  const app = Testing.app({ context });
  try {
    const stack = cloud === 'aws' ? new AwsProxyStack(app, 'aws') : new GcpProxyStack(app, 'gcp');
    return JSON.parse(Testing.synth(stack)).terraform;
  } finally {
    rmSync(app.outdir, { recursive: true, force: true });
  }
}

describe('state backend chosen at synth time', () => {
  it('keeps a local file outside the generated directory by default', () => {
    expect(terraformBlock('aws', {}).backend).toEqual({
      local: { path: '../../../terraform-state/aws.tfstate' },
    });
  });

  it('uses S3 with encryption and S3-native locking', () => {
    const backend = terraformBlock('aws', {
      stateBackend: 's3',
      stateBucket: 'acme-terraform',
      statePrefix: 'jira-token-proxy/prod',
      stateRegion: 'eu-west-1',
    }).backend;
    expect(backend).toEqual({
      s3: {
        bucket: 'acme-terraform',
        key: 'jira-token-proxy/prod/aws.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it('uses GCS, which locks on its own', () => {
    expect(terraformBlock('gcp', { stateBackend: 'gcs', stateBucket: 'acme-terraform' }).backend).toEqual({
      gcs: { bucket: 'acme-terraform', prefix: 'jira-token-proxy/gcp' },
    });
  });

  it('names the missing setting or the wrong backend', () => {
    expect(() => terraformBlock('aws', { stateBackend: 's3' })).toThrow(
      'JTP_STATE_BACKEND=s3 needs JTP_STATE_BUCKET (or context stateBucket)',
    );
    expect(() => terraformBlock('aws', { stateBackend: 'consul' })).toThrow(
      'JTP_STATE_BACKEND must be local, s3 or gcs, not "consul"',
    );
  });
});
