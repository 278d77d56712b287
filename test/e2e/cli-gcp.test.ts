import { describeCliEndToEnd } from './cli-end-to-end';

describeCliEndToEnd('gcp-secret-manager');
