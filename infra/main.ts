import { App } from 'cdktf';
import { AwsProxyStack } from './aws-stack';
import { GcpProxyStack } from './gcp-stack';

/** `npm run synth`: Terraform JSON for both clouds in infra/cdktf.out/stacks/{aws,gcp}. */
const app = new App({ outdir: 'cdktf.out' });
new AwsProxyStack(app, 'aws');
new GcpProxyStack(app, 'gcp');
app.synth();
