// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions.
import type { Construct } from 'constructs';
import { callerControlVariables } from '../enterprise-variables';
import { variable } from '../variables';

/** The tags the stack sets itself; an operator's `tags` may not replace them. */
export const OWN_TAGS = ['app', 'environment'];

/** The AWS stack's enterprise controls besides kms_key_arn (docs/OPERATORS.md#enterprise-controls). */
export function awsEnterpriseVariables(scope: Construct) {
  return {
    ...callerControlVariables(scope),
    tags: variable(scope, 'tags', {
      type: 'map(string)',
      default: {},
      description: `Tags on every resource (the provider's default_tags), besides ${OWN_TAGS.join(' and ')}.`,
      validation: () => [
        `\${length(var.tags) <= 48 && alltrue([for k, v in var.tags : can(regex("^[A-Za-z0-9 _.:/=+@-]{1,128}$", k)) && can(regex("^[A-Za-z0-9 _.:/=+@-]{0,256}$", v)) && !startswith(lower(k), "aws:") && !contains(${JSON.stringify(OWN_TAGS)}, k)])}`,
        `tags: at most 48, keys 1-128 and values 0-256 of A-Z a-z 0-9, space and _.:/=+@-, no aws: prefix, not ${OWN_TAGS.join(' or ')} (the stack sets those).`,
      ],
    }),
    permissionsBoundary: variable(scope, 'permissions_boundary_arn', {
      type: 'string',
      default: '',
      description:
        'ARN of an IAM policy set as the permissions boundary of every role the stack creates; empty for none.',
      validation: () => [
        '${var.permissions_boundary_arn == "" || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary_arn))}',
        'permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::ACCOUNT:policy/NAME) or empty.',
      ],
    }),
    reservedConcurrency: variable(scope, 'reserved_concurrency', {
      type: 'number',
      default: -1,
      description:
        'Instances of the Lambda reserved for it and never exceeded (a cap on Jira calls and cost); -1 for no reservation.',
      validation: () => [
        '${var.reserved_concurrency == -1 || (var.reserved_concurrency >= 1 && floor(var.reserved_concurrency) == var.reserved_concurrency)}',
        'reserved_concurrency must be -1 (none) or a whole number of at least 1 (0 would stop the function and its scheduled refresh).',
      ],
    }),
  };
}
