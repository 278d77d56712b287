import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Fn, type IResolvable, Op, TerraformLocal, Token } from 'cdktf';
import { Construct } from 'constructs';
import { splat } from '../common';
import type { AwsVariables } from './variables';

/**
 * `kms_key_arn`: one customer-managed key for everything the stack keeps at rest. The secrets
 * (infra/aws/secrets.ts), the Lambda environment, the log group, the dead-letter queue and the
 * created alarm topic take `forResource`; empty, each stays on the AWS-managed or owned key it
 * had. The roles get their grants here, always narrowed to one service with `kms:ViaService`. The
 * services that encrypt for themselves (CloudWatch Logs, CloudWatch alarms publishing to the topic)
 * are allowed by the key policy, which the key's owner writes: docs/OPERATORS.md#one-key-for-everything.
 */
export class CustomerKey extends Construct {
  /** True when kms_key_arn is set. */
  readonly given: IResolvable;
  /** The key's ARN, or null (the argument left out: the resource keeps its default encryption). */
  readonly forResource: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly v: AwsVariables,
  ) {
    super(scope, id);
    const key = v.kmsKey.stringValue;
    this.given = new TerraformLocal(this, 'customer_key_given', Op.neq(key, Fn.rawString(''))).asBoolean;
    this.forResource = Fn.conditional(this.given, key, Token.nullValue()) as string;
  }

  /**
   * An inline policy of `role` allowing `actions` on the key through `service` only, created
   * with the key alone (`count`), so a stack without one keeps its policies as they were.
   */
  grant(id: string, role: IamRole, service: string, actions: string[], why: string): IamRolePolicy {
    const v = this.v;
    const count = Token.asNumber(Fn.conditional(this.given, 1, 0));
    const policy = new DataAwsIamPolicyDocument(this, `${id}_access`, {
      count,
      statement: [
        {
          sid: why,
          actions,
          resources: [v.kmsKey.stringValue],
          condition: [
            {
              test: 'StringEquals',
              variable: 'kms:ViaService',
              values: [`${service}.${v.region.stringValue}.amazonaws.com`],
            },
          ],
        },
      ],
    });
    return new IamRolePolicy(this, id, {
      count,
      name: 'customer-key',
      role: role.id,
      policy: Fn.one(splat(policy, 'json')),
    });
  }
}
