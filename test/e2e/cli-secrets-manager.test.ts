import { describeCliEndToEnd } from './cli-end-to-end';

describeCliEndToEnd('aws-secrets-manager');
