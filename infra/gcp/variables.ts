// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions.
import { Fn } from 'cdktf';
import type { Construct } from 'constructs';
import { commonVariables, variable } from '../variables';

const INGRESS = ['ALLOW_ALL', 'ALLOW_INTERNAL_ONLY', 'ALLOW_INTERNAL_AND_GCLB'];
/** Cloud Scheduler's unix-cron: five fields of digits, names, `*`, `/`, `,` and `-`. */
export const GCP_SCHEDULE_RE = '^[0-9A-Za-z*/,-]+( [0-9A-Za-z*/,-]+){4}$';
const MEMBER_RE = '^(serviceAccount|user|group|domain|principal|principalSet):[^ ]+$';

/** Every variable of the GCP stack, in the order gcp.tfvars.example lists them. */
export function gcpVariables(scope: Construct) {
  const common = commonVariables(scope, '^[A-Za-z0-9_-]{1,200}$');
  return {
    ...common,
    project: variable(scope, 'gcp_project', {
      type: 'string',
      description: 'GCP project id that holds everything (the function, its secrets, the scheduler).',
      validation: (v) => [
        Fn.can(Fn.regex('^[a-z][a-z0-9-]{4,28}[a-z0-9]$', v.stringValue)),
        'gcp_project must be a project id (6-30 lower-case letters, digits or -).',
      ],
    }),
    region: variable(scope, 'gcp_region', {
      type: 'string',
      default: 'us-central1',
      description: 'Region of the function, its source bucket, its build repository and the scheduler job.',
    }),
    refreshSchedule: variable(scope, 'gcp_refresh_schedule', {
      type: 'string',
      // Often enough to finish a refresh interrupted mid-spend inside Atlassian's 10-minute leeway.
      default: '*/5 * * * *',
      description:
        'Cloud Scheduler unix-cron line (UTC) of the scheduled refresh; at least every 12 hours, so the missing-report alert (at most 23.5 h) stays quiet.',
      validation: (v) => [
        Fn.can(Fn.regex(GCP_SCHEDULE_RE, v.stringValue)),
        'gcp_refresh_schedule must be a five-field unix-cron line such as "17 */6 * * *" (rate() is AWS syntax).',
      ],
    }),
    invokers: variable(scope, 'invoker_members', {
      type: 'list(string)',
      description:
        'IAM members allowed to call the proxy (roles/run.invoker), e.g. serviceAccount:pipeline@PROJECT.iam.gserviceaccount.com.',
      validation: () => [
        `\${length(var.invoker_members) > 0 && alltrue([for m in var.invoker_members : can(regex("${MEMBER_RE}", m))])}`,
        'invoker_members must list at least one IAM member (serviceAccount:..., user:..., group:...); public access is not possible.',
      ],
    }),
    ingress: variable(scope, 'ingress', {
      type: 'string',
      default: 'ALLOW_ALL',
      description: `Network ingress of the function: ${INGRESS.join(', ')} (IAM applies in every case).`,
      validation: (v) => [
        Fn.contains(INGRESS, v.stringValue),
        `ingress must be one of ${INGRESS.join(', ')}.`,
      ],
    }),
    vpcConnector: variable(scope, 'vpc_connector', {
      type: 'string',
      default: '',
      description:
        'Serverless VPC Access connector (projects/P/locations/R/connectors/NAME) for all egress; empty for none.',
      validation: () => [
        '${var.vpc_connector == "" || can(regex("^projects/[^/]+/locations/[^/]+/connectors/[^/]+$", var.vpc_connector))}',
        'vpc_connector must be a connector id projects/PROJECT/locations/REGION/connectors/NAME, or empty.',
      ],
    }),
    notificationChannels: variable(scope, 'notification_channels', {
      type: 'list(string)',
      default: [],
      description: 'Existing Cloud Monitoring notification channels (their ids) every alert notifies.',
      validation: () => [
        '${alltrue([for c in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", c))])}',
        'notification_channels must be channel ids projects/PROJECT/notificationChannels/ID.',
      ],
    }),
    zip: variable(scope, 'function_zip', {
      type: 'string',
      default: '',
      description: 'Path of the built function zip; empty for dist/gcp-function.zip of this repository.',
    }),
  };
}

export type GcpVariables = ReturnType<typeof gcpVariables>;
