import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsKmsKey } from '@cdktf/provider-aws/lib/data-aws-kms-key';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionUrl } from '@cdktf/provider-aws/lib/lambda-function-url';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import {
  Fn,
  LocalBackend,
  Op,
  ref,
  TerraformLocal,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
  Token,
} from 'cdktf';
import type { Construct } from 'constructs';
import type { SecretSuffix } from '../src/secrets';
import {
  ALL_SECRETS,
  commonVariables,
  DAYS_LEFT_ALARM,
  FUNCTION_TIMEOUT_SECONDS,
  functionEnvironment,
  LOCK,
  METRICS,
  PLACEHOLDER,
  RETAINED,
  ROTATING,
  randomSalt,
  repoPath,
} from './common';

const AWS_STORES = ['aws-ssm', 'aws-secrets-manager'];
/**
 * A label of our own on the version Terraform creates: Secrets Manager garbage-collects versions
 * left without labels, and the provider would then re-create the placeholder as AWSCURRENT over
 * the live token (hashicorp/terraform-provider-aws#37302). With this label it is never collected.
 */
const SM_INITIAL_STAGE = 'TERRAFORM_INITIAL';
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * The AWS deployment: Lambda + function URL (AWS_IAM), secrets in SSM or Secrets Manager, a
 * least-privilege execution role, a caller role, a daily scheduled refresh, alarms to SNS.
 */
export class AwsProxyStack extends TerraformStack {
  constructor(scope: Construct, id = 'aws') {
    super(scope, id);
    // State lives outside the generated directory, which a re-synth may replace.
    new LocalBackend(this, { path: '../../../terraform-state/aws.tfstate' });

    const v = commonVariables(this, { schedule: 'rate(1 day)', prefixPattern: '^[A-Za-z0-9_./-]{1,200}$' });
    const region = new TerraformVariable(this, 'aws_region', {
      type: 'string',
      default: 'us-east-1',
      description: 'AWS region of every resource.',
      nullable: false,
    });
    region.addValidation({
      condition: Fn.can(Fn.regex('^[a-z]{2}(-[a-z]+)+-[0-9]$', region.stringValue)),
      errorMessage: 'aws_region must be a region name such as us-east-1.',
    });
    const store = new TerraformVariable(this, 'secret_store', {
      type: 'string',
      default: 'aws-ssm',
      description:
        'Where the secrets live: aws-ssm (SSM Parameter Store SecureStrings) or aws-secrets-manager.',
      nullable: false,
    });
    store.addValidation({
      condition: Fn.contains(AWS_STORES, store.stringValue),
      errorMessage: 'secret_store must be aws-ssm or aws-secrets-manager.',
    });
    const kmsKey = new TerraformVariable(this, 'kms_key_arn', {
      type: 'string',
      default: '',
      description: 'ARN of a customer KMS key for the secrets; empty for the AWS-managed key of the store.',
      nullable: false,
    });
    kmsKey.addValidation({
      condition: `\${var.kms_key_arn == "" || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))}`,
      errorMessage: 'kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or empty.',
    });
    const callers = new TerraformVariable(this, 'caller_aws_arns', {
      type: 'list(string)',
      description: 'IAM principals (role or user ARNs, or account roots) allowed to assume the caller role.',
      nullable: false,
    });
    callers.addValidation({
      condition: `\${length(var.caller_aws_arns) > 0 && alltrue([for a in var.caller_aws_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", a))])}`,
      errorMessage: 'caller_aws_arns must list at least one IAM ARN (arn:aws:iam::ACCOUNT:role/NAME, ...).',
    });
    const retention = new TerraformVariable(this, 'log_retention_days', {
      type: 'number',
      default: 30,
      description: 'Days CloudWatch keeps the function logs.',
      nullable: false,
    });
    retention.addValidation({
      condition: Fn.contains(RETENTION_DAYS, retention.numberValue),
      errorMessage: `log_retention_days must be one of ${RETENTION_DAYS.join(', ')}.`,
    });
    const zip = new TerraformVariable(this, 'lambda_zip', {
      type: 'string',
      default: '',
      description: 'Path of the built Lambda zip; empty for dist/aws-lambda.zip of this repository.',
      nullable: false,
    });

    new AwsProvider(this, 'aws', {
      region: region.stringValue,
      defaultTags: [{ tags: { app: 'jira-token-proxy', environment: v.environment.stringValue } }],
    });
    const account = new DataAwsCallerIdentity(this, 'current').accountId;
    const partition = new DataAwsPartition(this, 'current_partition').partition;

    const name = new TerraformLocal(this, 'name', `jira-token-proxy-${v.environment.stringValue}`).asString;
    const useSsm = new TerraformLocal(this, 'use_ssm', Op.eq(store.stringValue, 'aws-ssm'));
    const noKmsKey = Op.eq(kmsKey.stringValue, Fn.rawString(''));
    const keyOrDefault = Fn.conditional(noKmsKey, Token.nullValue(), kmsKey.stringValue) as string;
    const zipPath = new TerraformLocal(
      this,
      'lambda_zip_path',
      Fn.conditional(
        Op.eq(zip.stringValue, Fn.rawString('')),
        repoPath('dist/aws-lambda.zip'),
        zip.stringValue,
      ),
    ).asString;
    // SSM wants hierarchy names fully qualified: `jira/X_` means `/jira/X_` (as the proxy does).
    const ssmPrefix = new TerraformLocal(
      this,
      'ssm_prefix',
      `\${length(regexall("/", var.secret_prefix)) > 0 && !startswith(var.secret_prefix, "/") ? "/\${var.secret_prefix}" : var.secret_prefix}`,
    ).asString;
    const ssmArn = (suffix: string) =>
      `arn:${partition}:ssm:${region.stringValue}:${account}:parameter/${Fn.trimprefix(ssmPrefix, '/')}${suffix}`;
    // Secrets Manager appends a random 6-character suffix to each secret's ARN.
    const smArn = (suffix: string) =>
      `arn:${partition}:secretsmanager:${region.stringValue}:${account}:secret:${v.secretPrefix.stringValue}${suffix}-??????`;
    // The key in use: the customer key, else the store's AWS-managed key (DescribeKey creates it if need be).
    const key = new DataAwsKmsKey(this, 'secrets_key', {
      keyId: Fn.conditional(
        noKmsKey,
        Fn.conditional(useSsm.asBoolean, 'alias/aws/ssm', 'alias/aws/secretsmanager'),
        kmsKey.stringValue,
      ) as string,
    });

    // --- Secrets: created with a placeholder, their values never touched by Terraform again.
    const ssmCount = Token.asNumber(Fn.conditional(useSsm.asBoolean, 1, 0));
    const smCount = Token.asNumber(Fn.conditional(useSsm.asBoolean, 0, 1));
    const initialValue = (s: SecretSuffix) => (s === 'SALT' ? randomSalt() : PLACEHOLDER);
    for (const s of ALL_SECRETS) {
      const id = s.toLowerCase();
      const preventDestroy = RETAINED.includes(s);
      // The proxy creates and deletes the SSM lock itself (an exclusive create is the lock).
      if (s !== LOCK) {
        new SsmParameter(this, `ssm_${id}`, {
          count: ssmCount,
          name: `${ssmPrefix}${s}`,
          description: `jira-token-proxy ${s} (value written by bootstrap or the proxy, never by Terraform)`,
          type: 'SecureString',
          tier: 'Intelligent-Tiering',
          keyId: keyOrDefault,
          value: initialValue(s),
          lifecycle: { ignoreChanges: ['value'], preventDestroy },
        });
      }
      const secret = new SecretsmanagerSecret(this, `sm_${id}`, {
        count: smCount,
        name: `${v.secretPrefix.stringValue}${s}`,
        description: `jira-token-proxy ${s} (value written by bootstrap or the proxy, never by Terraform)`,
        kmsKeyId: keyOrDefault,
        recoveryWindowInDays: 7,
        lifecycle: { preventDestroy },
      });
      new SecretsmanagerSecretVersion(this, `sm_${id}_initial`, {
        count: smCount,
        secretId: Token.asString(
          ref(`${secret.terraformResourceType}.${secret.friendlyUniqueId}[count.index].id`),
        ),
        secretString: initialValue(s),
        versionStages: ['AWSCURRENT', SM_INITIAL_STAGE],
        lifecycle: { ignoreChanges: ['secret_string', 'version_stages'] },
      });
    }

    // --- Execution role: read its own secrets, write only the rotating ones and the lock.
    const logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${name}`,
      retentionInDays: retention.numberValue,
    });
    const execRole = new IamRole(this, 'exec_role', {
      name: `${name}-exec`,
      assumeRolePolicy: trustPolicy(this, 'exec_trust', 'lambda.amazonaws.com', account).json,
    });
    const lockArns = (arn: (s: string) => string) => [arn(LOCK), arn(`${LOCK}.takeover-*`)];
    const ssmPolicy = new DataAwsIamPolicyDocument(this, 'ssm_access', {
      statement: [
        {
          sid: 'ReadSecrets',
          actions: ['ssm:GetParameter', 'ssm:GetParameters'],
          // The lock's takeover markers are `<lock>.takeover-<id>-<n>` (see src/stores/aws-ssm.ts).
          resources: [...ALL_SECRETS.filter((s) => s !== LOCK).map(ssmArn), ...lockArns(ssmArn)],
        },
        {
          sid: 'WriteRotatingAndLock',
          actions: ['ssm:PutParameter'],
          resources: [...ROTATING.map(ssmArn), ...lockArns(ssmArn)],
        },
        { sid: 'ReleaseLock', actions: ['ssm:DeleteParameter'], resources: lockArns(ssmArn) },
        keyStatement(
          ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          key.arn,
          `ssm.${region.stringValue}.amazonaws.com`,
        ),
      ],
    });
    const smPolicy = new DataAwsIamPolicyDocument(this, 'secretsmanager_access', {
      statement: [
        {
          sid: 'ReadSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: ALL_SECRETS.map(smArn),
        },
        {
          sid: 'WriteRotatingAndLock',
          actions: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          resources: [...ROTATING, LOCK].map(smArn),
        },
        keyStatement(
          ['kms:Decrypt', 'kms:GenerateDataKey'],
          key.arn,
          `secretsmanager.${region.stringValue}.amazonaws.com`,
        ),
      ],
    });
    const secretsAccess = new IamRolePolicy(this, 'exec_secrets', {
      name: 'secrets',
      role: execRole.id,
      policy: Fn.conditional(useSsm.asBoolean, ssmPolicy.json, smPolicy.json) as string,
    });
    const logsAccess = new IamRolePolicy(this, 'exec_logs', {
      name: 'logs',
      role: execRole.id,
      policy: new DataAwsIamPolicyDocument(this, 'logs_access', {
        statement: [
          {
            sid: 'WriteOwnLogs',
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [`${logGroup.arn}:*`],
          },
        ],
      }).json,
    });

    // --- The function and its URL.
    const fn = new LambdaFunction(this, 'function', {
      functionName: name,
      description: 'jira-token-proxy: Jira Cloud OAuth token-refresh proxy',
      role: execRole.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      filename: zipPath,
      sourceCodeHash: Fn.filebase64sha256(zipPath),
      memorySize: v.memoryMb.numberValue,
      timeout: FUNCTION_TIMEOUT_SECONDS,
      environment: {
        variables: functionEnvironment(v, {
          SECRET_STORE: store.stringValue,
          KMS_KEY_ID: kmsKey.stringValue,
        }),
      },
      // Text: the proxy already writes JSON lines, which the metric filters read as they are.
      loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
      dependsOn: [secretsAccess, logsAccess],
    });
    const url = new LambdaFunctionUrl(this, 'url', {
      functionName: fn.functionName,
      authorizationType: 'AWS_IAM',
      invokeMode: 'BUFFERED',
    });

    // --- Caller role: the one identity allowed to call the URL.
    const callerRole = new IamRole(this, 'caller_role', {
      name: `${name}-caller`,
      description: 'Assumed by the analytics pipeline to call the jira-token-proxy function URL',
      assumeRolePolicy: new DataAwsIamPolicyDocument(this, 'caller_trust', {
        statement: [
          {
            actions: ['sts:AssumeRole'],
            principals: [{ type: 'AWS', identifiers: callers.listValue }],
          },
        ],
      }).json,
    });
    new IamRolePolicy(this, 'caller_invoke', {
      name: 'invoke-url',
      role: callerRole.id,
      policy: new DataAwsIamPolicyDocument(this, 'caller_access', {
        statement: [
          {
            sid: 'InvokeFunctionUrl',
            actions: ['lambda:InvokeFunctionUrl'],
            resources: [fn.arn],
            condition: [
              { test: 'StringEquals', variable: 'lambda:FunctionUrlAuthType', values: ['AWS_IAM'] },
            ],
          },
          {
            // Required for function URLs since October 2025; the condition keeps direct Invoke out.
            sid: 'InvokeViaFunctionUrlOnly',
            actions: ['lambda:InvokeFunction'],
            resources: [fn.arn],
            condition: [{ test: 'Bool', variable: 'lambda:InvokedViaFunctionUrl', values: ['true'] }],
          },
        ],
      }).json,
    });

    // --- Scheduled refresh: keeps the family alive (90-day inactivity) and reports days left.
    const schedulerRole = new IamRole(this, 'scheduler_role', {
      name: `${name}-scheduler`,
      assumeRolePolicy: trustPolicy(this, 'scheduler_trust', 'scheduler.amazonaws.com', account).json,
    });
    new IamRolePolicy(this, 'scheduler_invoke', {
      name: 'invoke-refresh',
      role: schedulerRole.id,
      policy: new DataAwsIamPolicyDocument(this, 'scheduler_access', {
        statement: [{ sid: 'InvokeRefresh', actions: ['lambda:InvokeFunction'], resources: [fn.arn] }],
      }).json,
    });
    new SchedulerSchedule(this, 'refresh', {
      name: `${name}-refresh`,
      description: 'Scheduled token refresh of jira-token-proxy',
      scheduleExpression: v.refreshSchedule.stringValue,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: fn.arn,
        roleArn: schedulerRole.arn,
        input: JSON.stringify({ action: 'refresh' }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });

    // --- Alarms from the proxy's metric log lines.
    const topic = new SnsTopic(this, 'alarms', { name: `${name}-alarms` });
    new SnsTopicSubscription(this, 'alarm_email_subscription', {
      count: Token.asNumber(Fn.conditional(Op.eq(v.alarmEmail.stringValue, Fn.rawString('')), 0, 1)),
      topicArn: topic.arn,
      protocol: 'email',
      endpoint: v.alarmEmail.stringValue,
    });
    const namespace = `JiraTokenProxy/${v.environment.stringValue}`;
    for (const [id, metric] of Object.entries(METRICS)) {
      new CloudwatchLogMetricFilter(this, `metric_${id}`, {
        name: `${name}-${metric}`,
        logGroupName: logGroup.name,
        pattern: `{ $.metric = "${metric}" }`,
        metricTransformation: { name: metric, namespace, value: '$.value' },
      });
    }
    new CloudwatchMetricAlarm(this, 'refresh_failures', {
      alarmName: `${name}-refresh-failures`,
      alarmDescription:
        'jira-token-proxy could not refresh the Jira token: see the function logs (cause field).',
      namespace,
      metricName: METRICS.refreshFailure,
      statistic: 'Sum',
      period: 3600,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [topic.arn],
      okActions: [topic.arn],
    });
    new CloudwatchMetricAlarm(this, 'family_days_left', {
      alarmName: `${name}-token-family-days-left`,
      alarmDescription: `The Jira token family expires in under ${DAYS_LEFT_ALARM} days: run the annual bootstrap.`,
      namespace,
      metricName: METRICS.daysLeft,
      statistic: 'Minimum',
      period: 86400,
      evaluationPeriods: 1,
      threshold: DAYS_LEFT_ALARM,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'missing',
      alarmActions: [topic.arn],
      okActions: [topic.arn],
    });

    // --- Outputs.
    new TerraformOutput(this, 'proxy_url', { value: url.functionUrl, description: 'The proxy base URL.' });
    new TerraformOutput(this, 'caller_role_arn', {
      value: callerRole.arn,
      description: 'Role the callers assume to sign requests (SigV4, service lambda).',
    });
    new TerraformOutput(this, 'function_name', { value: fn.functionName });
    new TerraformOutput(this, 'alarm_topic_arn', { value: topic.arn });
    new TerraformOutput(this, 'secret_names', {
      value: ALL_SECRETS.map(
        (s) => `${Fn.conditional(useSsm.asBoolean, ssmPrefix, v.secretPrefix.stringValue)}${s}`,
      ),
    });
    const kmsEnv = `\${var.kms_key_arn == "" ? "" : "KMS_KEY_ID=\${var.kms_key_arn} "}`;
    new TerraformOutput(this, 'test_commands', {
      description: 'Seed the token family, then call the deployed proxy (from the repository root).',
      value: [
        '# 1. Seed the token family (the annual consent; asks for the Atlassian app client id and secret):',
        `SECRET_STORE=${store.stringValue} SECRET_PREFIX=${v.secretPrefix.stringValue} AWS_REGION=${region.stringValue} ${kmsEnv}JIRA_CLOUD_ID=${v.jiraCloudId.stringValue} npx jira-token-proxy bootstrap --redirect-uri http://localhost:8080/callback`,
        '# 2. Health and example calls, signed as the caller role:',
        `npx jira-token-proxy test-calls --url ${url.functionUrl} --role-arn ${callerRole.arn} --region ${region.stringValue}`,
        '# 3. A scheduled refresh, now:',
        `aws lambda invoke --region ${region.stringValue} --function-name ${fn.functionName} --cli-binary-format raw-in-base64-out --payload '{"action":"refresh"}' /dev/stdout`,
        '',
      ].join('\n'),
    });
  }
}

function trustPolicy(scope: Construct, id: string, service: string, account: string) {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: [
      {
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'Service', identifiers: [service] }],
        condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [account] }],
      },
    ],
  });
}

function keyStatement(
  actions: string[],
  keyArn: string,
  viaService: string,
): DataAwsIamPolicyDocumentStatement {
  return {
    sid: 'UseSecretsKey',
    actions,
    resources: [keyArn],
    condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [viaService] }],
  };
}
