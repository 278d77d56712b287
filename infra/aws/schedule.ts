import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { AwsContext } from './context';
import { roleBoundary, serviceTrust } from './roles';

/**
 * The scheduled refresh: keeps the family alive (Atlassian ends it after 90 idle days) and
 * reports the days left. An invocation that fails all its retries lands in a dead-letter queue,
 * which an alarm watches: a schedule that cannot reach the function is not silent.
 */
export class RefreshSchedule extends Construct {
  readonly deadLetters: SqsQueue;

  constructor(scope: Construct, id: string, ctx: AwsContext, functionArn: string) {
    super(scope, id);
    const { v, name, account } = ctx;
    this.deadLetters = new SqsQueue(this, 'refresh_dlq', {
      name: `${name}-refresh-dlq`,
      messageRetentionSeconds: 1209600,
      // SQS-managed encryption, or the customer key (the two exclude each other).
      sqsManagedSseEnabled: Fn.conditional(ctx.key.given, Token.nullValue(), true) as boolean,
      kmsMasterKeyId: ctx.key.forResource,
    });
    const role = new IamRole(this, 'scheduler_role', {
      name: `${name}-scheduler`,
      assumeRolePolicy: serviceTrust(this, 'scheduler_trust', 'scheduler.amazonaws.com', account),
      permissionsBoundary: roleBoundary(v),
    });
    ctx.key.grant(
      'scheduler_queue_key',
      role,
      'sqs',
      ['kms:GenerateDataKey', 'kms:Decrypt'],
      'DeadLetterQueueKey',
    );
    new IamRolePolicy(this, 'scheduler_invoke', {
      name: 'invoke-refresh',
      role: role.id,
      policy: new DataAwsIamPolicyDocument(this, 'scheduler_access', {
        statement: [
          { sid: 'InvokeRefresh', actions: ['lambda:InvokeFunction'], resources: [functionArn] },
          { sid: 'DeadLetter', actions: ['sqs:SendMessage'], resources: [this.deadLetters.arn] },
        ],
      }).json,
    });
    new SchedulerSchedule(this, 'refresh', {
      name: `${name}-refresh`,
      description: 'Scheduled token refresh of jira-token-proxy',
      scheduleExpression: v.refreshSchedule.stringValue,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: functionArn,
        roleArn: role.arn,
        input: JSON.stringify({ action: 'refresh' }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: this.deadLetters.arn },
      },
    });
  }
}
