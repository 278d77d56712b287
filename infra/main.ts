import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { AwsProxyStack } from './aws-stack';
import { STATE_SETTINGS } from './backend';
import { GcpProxyStack } from './gcp-stack';

/**
 * `npm run synth`: Terraform JSON for both clouds in infra/cdktf.out/stacks/{aws,gcp}. A bad state
 * backend setting is one line, not a stack trace; a success says what it wrote and where the
 * state goes, and warns when the zips the stacks deploy (by default) are not built yet.
 */
const outdir = 'cdktf.out';
const app = new App({ outdir });
try {
  new AwsProxyStack(app, 'aws');
  new GcpProxyStack(app, 'gcp');
  app.synth();
} catch (err) {
  console.error(`npm run synth: ${(err as Error).message.split('\n')[0]}`);
  process.exit(1);
}
const [context, env] = STATE_SETTINGS.backend;
const backend = app.node.tryGetContext(context) ?? (process.env[env] || 'local');
for (const stack of ['aws', 'gcp'])
  console.log(`wrote infra/${outdir}/stacks/${stack}/cdk.tf.json (state backend: ${backend})`);
const ZIPS = [
  ['aws-lambda.zip', 'lambda_zip'],
  ['gcp-function.zip', 'function_zip'],
] as const;
for (const [zip, variable] of ZIPS) {
  if (!existsSync(join('..', 'dist', zip)))
    console.warn(
      `warning: dist/${zip} is missing: run \`npm run build\` before terraform plan, or set ${variable}`,
    );
}
