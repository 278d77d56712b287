import { type Config, ConfigError } from '../config';

/**
 * The AWS stores need a region, and the SDK looks for one only at the first call, which then
 * fails as an unreachable store. This asks the SDK's own chain up front (AWS_REGION, the
 * profile's `region` in the AWS config and credentials files, EC2 instance metadata), so a region
 * the SDK would find is never refused and a missing one is one line naming the variable. It lives
 * in the CLI, not in config.ts: the function bundles load config.ts, and this would pull the SSM
 * client into the GCP bundle (Lambda always has AWS_REGION).
 */
export async function checkAwsRegion(config: Config): Promise<void> {
  if (config.store !== 'aws-ssm' && config.store !== 'aws-secrets-manager') return;
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({});
  try {
    await client.config.region();
  } catch (err) {
    const message = (err as Error).message;
    if (!/region is missing/i.test(message)) throw new ConfigError(`AWS_REGION: ${message}`);
    // The AWS CLI and boto read AWS_DEFAULT_REGION; the JavaScript SDK does not.
    const hint = process.env.AWS_DEFAULT_REGION
      ? ' (the AWS SDK for JavaScript ignores AWS_DEFAULT_REGION)'
      : '';
    throw new ConfigError(
      `AWS_REGION: required when SECRET_STORE=${config.store}${hint}; set it, or region in the AWS profile`,
    );
  } finally {
    client.destroy();
  }
}
