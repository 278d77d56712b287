import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Fn, TerraformLocal, TerraformOutput, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsAlarms } from './aws/alarms';
import type { AwsContext } from './aws/context';
import { AwsDashboard } from './aws/dashboard';
import { ProxyFunction } from './aws/function';
import { CustomerKey } from './aws/kms';
import { CallerRole, ExecutionRole } from './aws/roles';
import { RefreshSchedule } from './aws/schedule';
import { AwsSecrets } from './aws/secrets';
import { awsVariables } from './aws/variables';
import { ALL_SECRETS } from './common';
import { ProxyStack } from './stack';

/** hashicorp/aws versions this stack is written for: write-only arguments came in 5.x. */
export const AWS_PROVIDER_RANGE = '>= 5.100.0, < 7.0.0';

/**
 * The AWS deployment: Lambda + function URL (AWS_IAM), secrets in SSM or Secrets Manager, a
 * least-privilege execution role, a caller role, a scheduled refresh with a dead-letter queue,
 * alarms to SNS and a dashboard. Each part is a Construct in infra/aws/.
 */
export class AwsProxyStack extends ProxyStack {
  constructor(scope: Construct, id = 'aws') {
    super(scope, id, { aws: AWS_PROVIDER_RANGE });
    const v = awsVariables(this);
    new AwsProvider(this, 'aws', {
      region: v.region.stringValue,
      // The operator's tags, and ours (validated not to collide: infra/aws/enterprise-variables.ts).
      defaultTags: [
        {
          tags: Token.asStringMap(
            Fn.merge([v.tags.value, { app: 'jira-token-proxy', environment: v.environment.stringValue }]),
          ),
        },
      ],
    });
    const ctx: AwsContext = {
      v,
      account: new DataAwsCallerIdentity(this, 'current').accountId,
      partition: new DataAwsPartition(this, 'current_partition').partition,
      name: new TerraformLocal(this, 'name', `jira-token-proxy-${v.environment.stringValue}`).asString,
      key: new CustomerKey(this, 'customer_key', v),
    };

    const secrets = new AwsSecrets(this, 'secrets', ctx);
    const exec = new ExecutionRole(this, 'execution', ctx, secrets);
    const proxy = new ProxyFunction(this, 'proxy', ctx, exec);
    const caller = new CallerRole(this, 'caller', ctx, proxy.fn.arn);
    const schedule = new RefreshSchedule(this, 'schedule', ctx, proxy.fn.arn);
    const alarms = new AwsAlarms(this, 'alarming', ctx, {
      logGroupName: proxy.logGroup.name,
      functionName: proxy.fn.functionName,
      deadLetterQueueName: schedule.deadLetters.name,
    });
    const dashboard = new AwsDashboard(this, 'dashboards', ctx, {
      namespace: alarms.namespace,
      functionName: proxy.fn.functionName,
    });

    new TerraformOutput(this, 'proxy_url', {
      value: proxy.url.functionUrl,
      description: 'The proxy base URL.',
    });
    new TerraformOutput(this, 'caller_role_arn', {
      value: caller.role.arn,
      description: 'Role the callers assume to sign requests (SigV4, service lambda).',
    });
    new TerraformOutput(this, 'function_name', { value: proxy.fn.functionName });
    new TerraformOutput(this, 'alarm_topic_arn', { value: alarms.topicArn });
    new TerraformOutput(this, 'dashboard_url', {
      value: dashboard.url,
      description: 'The CloudWatch dashboard.',
    });
    new TerraformOutput(this, 'secret_names', {
      value: ALL_SECRETS.map(
        (s) => `${Fn.conditional(secrets.useSsm, secrets.ssmPrefix, v.secretPrefix.stringValue)}${s}`,
      ),
    });
    const region = v.region.stringValue;
    const kmsEnv = `\${var.kms_key_arn == "" ? "" : "KMS_KEY_ID=\${var.kms_key_arn} "}`;
    new TerraformOutput(this, 'test_commands', {
      description: 'Seed the token family, then call the deployed proxy (from the repository root).',
      value: [
        '# 1. Seed the token family (the annual consent; asks for the Atlassian app client id and secret):',
        `SECRET_STORE=${v.store.stringValue} SECRET_PREFIX=${v.secretPrefix.stringValue} AWS_REGION=${region} ${kmsEnv}JIRA_CLOUD_ID=${v.jiraCloudId.stringValue} npx jira-token-proxy bootstrap --redirect-uri http://localhost:8080/callback`,
        '# 2. Health and example calls, signed as the caller role:',
        `npx jira-token-proxy test-calls --url ${proxy.url.functionUrl} --role-arn ${caller.role.arn} --region ${region}`,
        '# 3. A scheduled refresh, now:',
        `aws lambda invoke --region ${region} --function-name ${proxy.fn.functionName} --cli-binary-format raw-in-base64-out --payload '{"action":"refresh"}' /dev/stdout`,
        '',
      ].join('\n'),
    });
  }
}
