import type { CustomerKey } from './kms';
import type { AwsVariables } from './variables';

/** What every part of the AWS stack needs: the variables, the account, and the resource name. */
export interface AwsContext {
  v: AwsVariables;
  account: string;
  partition: string;
  /** `jira-token-proxy-<environment>`, the name of the function and the prefix of everything else. */
  name: string;
  /** kms_key_arn, for every resource that keeps something at rest (infra/aws/kms.ts). */
  key: CustomerKey;
}
