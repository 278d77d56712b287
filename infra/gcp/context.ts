import type { ITerraformDependable } from 'cdktf';
import type { GcpCustomerKeys } from './cmek';
import type { GcpVariables } from './variables';

/** What every part of the GCP stack needs. */
export interface GcpContext {
  v: GcpVariables;
  /** `jira-token-proxy-<environment>`: the function's name and the prefix of the rest. */
  name: string;
  /** The API enablements every resource waits for. */
  apis: ITerraformDependable[];
  /** kms_key_names and secret_replica_locations (infra/gcp/cmek.ts). */
  keys: GcpCustomerKeys;
}
