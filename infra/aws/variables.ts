// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions.
import { Fn } from 'cdktf';
import type { Construct } from 'constructs';
import { commonVariables, variable } from '../variables';

const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/**
 * EventBridge Scheduler's syntax: `rate(1 day)` (singular for 1, plural above) or a six-field
 * `cron(...)`. No backslashes: character classes keep the pattern the same in TS, JSON and HCL.
 */
export const AWS_SCHEDULE_RE =
  '^(rate[(](1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))[)]|cron[(][^ ()]+( [^ ()]+){5}[)])$';

/** Every variable of the AWS stack, in the order aws.tfvars.example lists them. */
export function awsVariables(scope: Construct) {
  const common = commonVariables(scope, '^[A-Za-z0-9_./-]{1,200}$');
  return {
    ...common,
    region: variable(scope, 'aws_region', {
      type: 'string',
      default: 'us-east-1',
      description: 'AWS region of every resource.',
      validation: (v) => [
        Fn.can(Fn.regex('^[a-z]{2}(-[a-z]+)+-[0-9]$', v.stringValue)),
        'aws_region must be a region name such as us-east-1.',
      ],
    }),
    refreshSchedule: variable(scope, 'aws_refresh_schedule', {
      type: 'string',
      // Often enough to finish a refresh interrupted mid-spend inside Atlassian's 10-minute leeway.
      default: 'rate(5 minutes)',
      description:
        'EventBridge Scheduler expression (UTC) of the scheduled refresh: rate(...) or cron(...), at least daily.',
      validation: (v) => [
        Fn.can(Fn.regex(AWS_SCHEDULE_RE, v.stringValue)),
        'aws_refresh_schedule must be an EventBridge expression such as rate(1 day) or cron(17 3 * * ? *).',
      ],
    }),
    store: variable(scope, 'secret_store', {
      type: 'string',
      default: 'aws-ssm',
      description:
        'Where the secrets live: aws-ssm (SSM Parameter Store SecureStrings) or aws-secrets-manager.',
      validation: (v) => [
        Fn.contains(['aws-ssm', 'aws-secrets-manager'], v.stringValue),
        'secret_store must be aws-ssm or aws-secrets-manager.',
      ],
    }),
    kmsKey: variable(scope, 'kms_key_arn', {
      type: 'string',
      default: '',
      description: 'ARN of a customer KMS key for the secrets; empty for the AWS-managed key of the store.',
      validation: () => [
        '${var.kms_key_arn == "" || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))}',
        'kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or empty.',
      ],
    }),
    callerArns: variable(scope, 'caller_aws_arns', {
      type: 'list(string)',
      default: [],
      description: 'IAM principals (role or user ARNs, or account roots) allowed to assume the caller role.',
      validation: () => [
        '${alltrue([for a in var.caller_aws_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", a))])}',
        'caller_aws_arns must list IAM ARNs (arn:aws:iam::ACCOUNT:role/NAME, ...).',
      ],
    }),
    callerGoogleIds: variable(scope, 'caller_gcp_service_account_ids', {
      type: 'list(string)',
      default: [],
      description:
        'Unique ids (numeric) of Google service accounts allowed to assume the caller role with their Google ID token.',
      validation: () => [
        '${alltrue([for i in var.caller_gcp_service_account_ids : can(regex("^[0-9]{10,30}$", i))]) && length(var.caller_gcp_service_account_ids) + length(var.caller_aws_arns) > 0}',
        'caller_gcp_service_account_ids must be numeric service account unique ids, and at least one caller (this or caller_aws_arns) is needed.',
      ],
    }),
    alarmTopic: variable(scope, 'alarm_sns_topic_arn', {
      type: 'string',
      default: '',
      description: 'An existing SNS topic every alarm notifies; empty to create one.',
      validation: () => [
        '${var.alarm_sns_topic_arn == "" || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alarm_sns_topic_arn))}',
        'alarm_sns_topic_arn must be an SNS topic ARN or empty.',
      ],
    }),
    subnetIds: variable(scope, 'vpc_subnet_ids', {
      type: 'list(string)',
      default: [],
      description:
        'Private subnets for the Lambda (egress through their NAT gateway); empty for no VPC. Needs vpc_security_group_ids.',
      validation: () => [
        '${alltrue([for s in var.vpc_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))]) && (length(var.vpc_subnet_ids) == 0) == (length(var.vpc_security_group_ids) == 0)}',
        'vpc_subnet_ids must be subnet ids, given together with vpc_security_group_ids (both or neither).',
      ],
    }),
    securityGroupIds: variable(scope, 'vpc_security_group_ids', {
      type: 'list(string)',
      default: [],
      description: 'Security groups of the Lambda in the VPC (outbound HTTPS is enough); empty for no VPC.',
      validation: () => [
        '${alltrue([for s in var.vpc_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])}',
        'vpc_security_group_ids must be security group ids (sg-...).',
      ],
    }),
    retention: variable(scope, 'log_retention_days', {
      type: 'number',
      default: 30,
      description: 'Days CloudWatch keeps the function logs.',
      validation: (v) => [
        Fn.contains(RETENTION_DAYS, v.numberValue),
        `log_retention_days must be one of ${RETENTION_DAYS.join(', ')}.`,
      ],
    }),
    zip: variable(scope, 'lambda_zip', {
      type: 'string',
      default: '',
      description: 'Path of the built Lambda zip; empty for dist/aws-lambda.zip of this repository.',
    }),
  };
}

export type AwsVariables = ReturnType<typeof awsVariables>;
