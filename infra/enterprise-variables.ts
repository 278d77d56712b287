// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions.
import { Fn } from 'cdktf';
import type { Construct } from 'constructs';
import { variable } from './variables';

/**
 * The controls both stacks offer an enterprise security review: the callers' networks (enforced in
 * IAM on AWS and in the proxy on both clouds, ALLOWED_CALLER_IP_RANGES) and the audit trail
 * (AUDIT_LOG). docs/OPERATORS.md#enterprise-controls.
 */
export function callerControlVariables(scope: Construct) {
  return {
    allowedCallerRanges: variable(scope, 'allowed_caller_ip_ranges', {
      type: 'list(string)',
      default: [],
      description:
        'CIDR ranges (IPv4 or IPv6) callers may call from, checked against the address the platform saw; empty for any address.',
      validation: () => [
        '${alltrue([for c in var.allowed_caller_ip_ranges : can(cidrhost(c, 0))])}',
        'allowed_caller_ip_ranges must list CIDR ranges such as 203.0.113.0/24 or 2001:db8::/32 (a single address is 203.0.113.7/32).',
      ],
    }),
    auditLog: variable(scope, 'audit_log', {
      type: 'bool',
      default: true,
      description:
        'One audit line per request: the verified caller, method, rule endpoint, status, bytes, duration.',
    }),
  };
}

export type CallerControlVariables = ReturnType<typeof callerControlVariables>;

/** The function environment of those controls (src/config.ts reads them). */
export function callerControlEnvironment(v: CallerControlVariables): Record<string, string> {
  return {
    ALLOWED_CALLER_IP_RANGES: Fn.join(',', v.allowedCallerRanges.listValue),
    AUDIT_LOG: Fn.conditional(v.auditLog.booleanValue, 'on', 'off') as string,
  };
}
