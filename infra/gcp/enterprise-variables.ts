// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions.
import type { Construct } from 'constructs';
import { callerControlVariables } from '../enterprise-variables';
import { variable } from '../variables';

/** The labels the stack sets itself; an operator's `labels` may not replace them. */
export const OWN_LABELS = ['app', 'environment'];
const KEY_RE = '^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$';
/** The locations the secrets' keys must cover: `global` for automatic replication, else each replica's. */
const SECRET_KEY_LOCATIONS =
  '(length(var.secret_replica_locations) == 0 ? ["global"] : var.secret_replica_locations)';

/** The GCP stack's enterprise controls (docs/OPERATORS.md#enterprise-controls). */
export function gcpEnterpriseVariables(scope: Construct) {
  return {
    ...callerControlVariables(scope),
    labels: variable(scope, 'labels', {
      type: 'map(string)',
      default: {},
      description: `Labels on every resource that takes them (the provider's default_labels), besides ${OWN_LABELS.join(' and ')}.`,
      validation: () => [
        `\${length(var.labels) <= 62 && alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v)) && !contains(${JSON.stringify(OWN_LABELS)}, k)])}`,
        `labels: at most 62; keys start with a lower-case letter, keys and values are at most 63 of a-z 0-9 _ -; not ${OWN_LABELS.join(' or ')} (the stack sets those).`,
      ],
    }),
    secretReplicaLocations: variable(scope, 'secret_replica_locations', {
      type: 'list(string)',
      default: [],
      description:
        'Regions that hold the secrets (user-managed replication); empty for automatic replication. Fixed at creation: docs/OPERATORS.md#data-residency.',
      validation: () => [
        '${alltrue([for l in var.secret_replica_locations : can(regex("^[a-z]+-[a-z]+[0-9]+$", l))]) && length(distinct(var.secret_replica_locations)) == length(var.secret_replica_locations)}',
        'secret_replica_locations must list distinct region names such as europe-west1, or be empty (automatic replication).',
      ],
    }),
    kmsKeys: variable(scope, 'kms_key_names', {
      type: 'map(string)',
      default: {},
      description:
        'Customer-managed keys (CMEK) by location: "global" (or each of secret_replica_locations) for the secrets, gcp_region for the function, its build images and its source bucket. Empty for Google-managed keys.',
      validation: () => [
        `\${alltrue([for loc, key in var.kms_key_names : can(regex("${KEY_RE}", key)) && try(split("/", key)[3], "") == loc]) && (length(var.kms_key_names) == 0 || (contains(keys(var.kms_key_names), var.gcp_region) && alltrue([for loc in ${SECRET_KEY_LOCATIONS} : contains(keys(var.kms_key_names), loc)])))}`,
        'kms_key_names must map each location to a key in it (projects/P/locations/LOCATION/keyRings/R/cryptoKeys/K), and cover gcp_region and "global" (or every secret_replica_locations region), or be empty.',
      ],
    }),
    maxInstances: variable(scope, 'max_instances', {
      type: 'number',
      default: 20,
      description: 'Most instances of the function at once: a cap on Jira calls and cost.',
      validation: () => [
        '${var.max_instances >= 1 && var.max_instances <= 1000 && floor(var.max_instances) == var.max_instances}',
        'max_instances must be a whole number from 1 to 1000.',
      ],
    }),
  };
}
