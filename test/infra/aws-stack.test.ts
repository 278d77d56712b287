// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform interpolations.
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_SECRETS, PLACEHOLDER, RETAINED } from '../../infra/common';
import { statements, strings, synthAws, type Tf } from './synth';

let tf: Tf;
beforeAll(() => {
  tf = synthAws();
});

const ssmArn = (suffix: string) =>
  'arn:${data.aws_partition.current_partition.partition}:ssm:${var.aws_region}:' +
  '${data.aws_caller_identity.current.account_id}:parameter/${trimprefix(local.ssm_prefix, "/")}' +
  suffix;
const smArn = (suffix: string) =>
  'arn:${data.aws_partition.current_partition.partition}:secretsmanager:${var.aws_region}:' +
  '${data.aws_caller_identity.current.account_id}:secret:${var.secret_prefix}' +
  `${suffix}-??????`;
const FN_ARN = '${aws_lambda_function.function.arn}';
const SALT_EXPR = '${sha256(join("", [uuid(), uuid()]))}';

describe('AWS stack: function and URL', () => {
  it('runs Node 22 on arm64 with a timeout above the upstream timeout', () => {
    const fn = tf.resource.aws_lambda_function.function;
    expect(fn).toMatchObject({
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      memory_size: '${var.memory_mb}',
      filename: '${local.lambda_zip_path}',
      source_code_hash: '${filebase64sha256(local.lambda_zip_path)}',
      logging_config: { log_group: '${aws_cloudwatch_log_group.logs.name}' },
    });
    expect(fn.timeout).toBeGreaterThan(Number(fn.environment.variables.UPSTREAM_TIMEOUT_SECONDS));
    expect(Object.keys(fn.environment.variables).sort()).toEqual(
      [
        'JIRA_CLOUD_ID',
        'KMS_KEY_ID',
        'LOG_LEVEL',
        'RULES',
        'RULE_SET',
        'SECRET_PREFIX',
        'SECRET_STORE',
        'UPSTREAM_TIMEOUT_SECONDS',
      ].sort(),
    );
    expect(fn.environment.variables.RULES).toBe('${(var.rules_file == "") ? "" : file(var.rules_file)}');
    expect(tf.locals.lambda_zip_path).toContain('${path.module}/../../../../dist/aws-lambda.zip');
  });

  it('exposes the function only through an AWS_IAM function URL', () => {
    const urls = tf.resource.aws_lambda_function_url;
    expect(Object.keys(urls)).toEqual(['url']);
    expect(urls.url.authorization_type).toBe('AWS_IAM');
    expect(tf.resource.aws_lambda_permission).toBeUndefined();
  });

  it('keeps logs for the retention the operator chose', () => {
    expect(tf.resource.aws_cloudwatch_log_group.logs).toMatchObject({
      name: '/aws/lambda/${local.name}',
      retention_in_days: '${var.log_retention_days}',
    });
  });
});

describe('AWS stack: secrets', () => {
  it('creates every SSM parameter but the lock, value ignored after creation', () => {
    const params: Tf = tf.resource.aws_ssm_parameter;
    const expected = ALL_SECRETS.filter((s) => s !== 'LOCK');
    expect(Object.keys(params).sort()).toEqual(expected.map((s) => `ssm_${s.toLowerCase()}`).sort());
    for (const s of expected) {
      const p = params[`ssm_${s.toLowerCase()}`];
      expect(p.name).toBe(`\${local.ssm_prefix}${s}`);
      expect(p.type).toBe('SecureString');
      expect(p.count).toBe('${local.use_ssm ? 1 : 0}');
      expect(p.lifecycle.ignore_changes).toEqual(['value']);
      expect(p.lifecycle.prevent_destroy).toBe(RETAINED.includes(s));
      expect(p.value).toBe(s === 'SALT' ? SALT_EXPR : PLACEHOLDER);
      expect(p.key_id).toBe('${(var.kms_key_arn == "") ? null : var.kms_key_arn}');
    }
  });

  it('creates every Secrets Manager secret, lock included, with a version Secrets Manager never collects', () => {
    const secrets: Tf = tf.resource.aws_secretsmanager_secret;
    const versions: Tf = tf.resource.aws_secretsmanager_secret_version;
    expect(Object.keys(secrets)).toHaveLength(ALL_SECRETS.length);
    for (const s of ALL_SECRETS) {
      const id = `sm_${s.toLowerCase()}`;
      expect(secrets[id]).toMatchObject({
        name: `\${var.secret_prefix}${s}`,
        count: '${local.use_ssm ? 0 : 1}',
      });
      expect(secrets[id].lifecycle.prevent_destroy).toBe(RETAINED.includes(s));
      const version = versions[`${id}_initial`];
      expect(version.secret_id).toBe(`\${aws_secretsmanager_secret.${id}[count.index].id}`);
      expect(version.lifecycle.ignore_changes).toEqual(['secret_string', 'version_stages']);
      expect(version.version_stages).toContain('TERRAFORM_INITIAL');
      expect(version.secret_string).toBe(s === 'SALT' ? SALT_EXPR : PLACEHOLDER);
    }
  });

  it('writes no secret value into the synthesized JSON', () => {
    const values = [
      ...Object.values(tf.resource.aws_ssm_parameter as Tf).map((p) => p.value),
      ...Object.values(tf.resource.aws_secretsmanager_secret_version as Tf).map((p) => p.secret_string),
    ];
    expect(new Set(values)).toEqual(new Set([PLACEHOLDER, SALT_EXPR]));
    for (const { path, value } of strings(tf)) {
      expect(value, path).not.toMatch(/\b[0-9a-f]{32,}\b|eyJ[A-Za-z0-9_-]{10,}/);
    }
    expect(JSON.stringify(tf.output)).not.toMatch(/aws_ssm_parameter|aws_secretsmanager_secret_version/);
  });
});

describe('AWS stack: IAM', () => {
  it('grants the execution role exactly its own SSM parameters', () => {
    const s = statements(tf, 'ssm_access');
    const lock = [ssmArn('LOCK'), ssmArn('LOCK.takeover-*')];
    expect(s.ReadSecrets?.actions).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
    expect(s.ReadSecrets?.resources).toEqual([
      ...['CLIENT_ID', 'CLIENT_SECRET', 'REFRESH_TOKEN', 'ACCESS_TOKEN', 'TOKEN_FAMILY', 'SALT'].map(ssmArn),
      ...lock,
    ]);
    expect(s.WriteRotatingAndLock?.actions).toEqual(['ssm:PutParameter']);
    expect(s.WriteRotatingAndLock?.resources).toEqual([
      ssmArn('REFRESH_TOKEN'),
      ssmArn('ACCESS_TOKEN'),
      ...lock,
    ]);
    expect(s.ReleaseLock?.actions).toEqual(['ssm:DeleteParameter']);
    expect(s.ReleaseLock?.resources).toEqual(lock);
    expect(s.UseSecretsKey).toMatchObject({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: ['${data.aws_kms_key.secrets_key.arn}'],
      condition: [
        { test: 'StringEquals', variable: 'kms:ViaService', values: ['ssm.${var.aws_region}.amazonaws.com'] },
      ],
    });
    expect(Object.keys(s)).toHaveLength(4);
  });

  it('grants the execution role exactly its own Secrets Manager secrets', () => {
    const s = statements(tf, 'secretsmanager_access');
    expect(s.ReadSecrets?.actions).toEqual(['secretsmanager:GetSecretValue']);
    expect(s.ReadSecrets?.resources).toEqual(ALL_SECRETS.map(smArn));
    expect(s.WriteRotatingAndLock?.actions).toEqual([
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(s.WriteRotatingAndLock?.resources).toEqual(['REFRESH_TOKEN', 'ACCESS_TOKEN', 'LOCK'].map(smArn));
    expect(s.UseSecretsKey?.actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(s.UseSecretsKey?.condition[0].values).toEqual(['secretsmanager.${var.aws_region}.amazonaws.com']);
    expect(Object.keys(s)).toHaveLength(3);
  });

  it('attaches the policy of the chosen store, and a key that is the customer key or the store default', () => {
    expect(tf.resource.aws_iam_role_policy.exec_secrets.policy).toBe(
      '${local.use_ssm ? data.aws_iam_policy_document.ssm_access.json : data.aws_iam_policy_document.secretsmanager_access.json}',
    );
    expect(tf.locals.use_ssm).toBe('${(var.secret_store == "aws-ssm")}');
    expect(tf.data.aws_kms_key.secrets_key.key_id).toBe(
      '${(var.kms_key_arn == "") ? local.use_ssm ? "alias/aws/ssm" : "alias/aws/secretsmanager" : var.kms_key_arn}',
    );
    expect(statements(tf, 'logs_access').WriteOwnLogs).toMatchObject({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: ['${aws_cloudwatch_log_group.logs.arn}:*'],
    });
  });

  it('lets the caller role invoke this function URL and nothing else', () => {
    const trust = statements(tf, 'caller_trust');
    expect(Object.values(trust)).toEqual([
      { actions: ['sts:AssumeRole'], principals: [{ type: 'AWS', identifiers: '${var.caller_aws_arns}' }] },
    ]);
    const s = statements(tf, 'caller_access');
    expect(s).toEqual({
      InvokeFunctionUrl: {
        sid: 'InvokeFunctionUrl',
        actions: ['lambda:InvokeFunctionUrl'],
        resources: [FN_ARN],
        condition: [{ test: 'StringEquals', variable: 'lambda:FunctionUrlAuthType', values: ['AWS_IAM'] }],
      },
      InvokeViaFunctionUrlOnly: {
        sid: 'InvokeViaFunctionUrlOnly',
        actions: ['lambda:InvokeFunction'],
        resources: [FN_ARN],
        condition: [{ test: 'Bool', variable: 'lambda:InvokedViaFunctionUrl', values: ['true'] }],
      },
    });
  });

  it('has no wildcard resource or action in any policy', () => {
    for (const [doc, body] of Object.entries(tf.data.aws_iam_policy_document as Tf)) {
      for (const st of body.statement as Tf[]) {
        for (const a of st.actions ?? []) expect(a, doc).not.toContain('*');
        for (const r of st.resources ?? []) expect(r, doc).not.toMatch(/^\*$|:\*$(?<!logs\.arn}:\*$)/);
        expect(st.effect ?? 'Allow', doc).toBe('Allow');
      }
    }
    // Every role policy is one of the documents above, never inline JSON.
    for (const p of Object.values(tf.resource.aws_iam_role_policy as Tf))
      expect(p.policy).toMatch(/^\$\{(local\.use_ssm \? )?data\.aws_iam_policy_document\./);
  });

  it('trusts only the Lambda and Scheduler services of this account for the service roles', () => {
    for (const [doc, service] of [
      ['exec_trust', 'lambda.amazonaws.com'],
      ['scheduler_trust', 'scheduler.amazonaws.com'],
    ]) {
      expect(Object.values(statements(tf, doc as string))).toEqual([
        {
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: [service] }],
          condition: [
            {
              test: 'StringEquals',
              variable: 'aws:SourceAccount',
              values: ['${data.aws_caller_identity.current.account_id}'],
            },
          ],
        },
      ]);
    }
  });
});

describe('AWS stack: schedule, alarms, outputs', () => {
  it('invokes the refresh path daily with a role that may invoke only this function', () => {
    const schedule = tf.resource.aws_scheduler_schedule.refresh;
    expect(schedule.schedule_expression).toBe('${var.refresh_schedule}');
    expect(tf.variable.refresh_schedule.default).toBe('rate(1 day)');
    expect(schedule.target).toMatchObject({ arn: FN_ARN, role_arn: '${aws_iam_role.scheduler_role.arn}' });
    expect(JSON.parse(schedule.target.input)).toEqual({ action: 'refresh' });
    expect(statements(tf, 'scheduler_access')).toEqual({
      InvokeRefresh: { sid: 'InvokeRefresh', actions: ['lambda:InvokeFunction'], resources: [FN_ARN] },
    });
  });

  it('alarms on refresh failures and on under 30 days left, to SNS (+ e-mail when set)', () => {
    const filters: Tf = tf.resource.aws_cloudwatch_log_metric_filter;
    expect(filters.metric_refreshFailure.pattern).toBe('{ $.metric = "tokenRefreshFailure" }');
    expect(filters.metric_daysLeft.pattern).toBe('{ $.metric = "tokenFamilyDaysLeft" }');
    expect(filters.metric_daysLeft.metric_transformation.value).toBe('$.value');
    const alarms: Tf = tf.resource.aws_cloudwatch_metric_alarm;
    expect(alarms.refresh_failures).toMatchObject({
      metric_name: 'tokenRefreshFailure',
      statistic: 'Sum',
      threshold: 1,
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      alarm_actions: ['${aws_sns_topic.alarms.arn}'],
    });
    expect(alarms.family_days_left).toMatchObject({
      metric_name: 'tokenFamilyDaysLeft',
      statistic: 'Minimum',
      threshold: 30,
      comparison_operator: 'LessThanThreshold',
      alarm_actions: ['${aws_sns_topic.alarms.arn}'],
    });
    expect(tf.resource.aws_sns_topic_subscription.alarm_email_subscription).toMatchObject({
      count: '${(var.alarm_email == "") ? 0 : 1}',
      protocol: 'email',
      endpoint: '${var.alarm_email}',
    });
  });

  it('outputs the URL, the caller role and commands to seed and test', () => {
    expect(tf.output.proxy_url.value).toBe('${aws_lambda_function_url.url.function_url}');
    expect(tf.output.caller_role_arn.value).toBe('${aws_iam_role.caller_role.arn}');
    const commands: string = tf.output.test_commands.value;
    expect(commands).toContain('SECRET_STORE=${var.secret_store} SECRET_PREFIX=${var.secret_prefix}');
    expect(commands).toContain('npx jira-token-proxy bootstrap');
    expect(commands).toContain(
      'npx jira-token-proxy test-calls --url ${aws_lambda_function_url.url.function_url} --role-arn ${aws_iam_role.caller_role.arn}',
    );
  });
});

describe('AWS stack: variables', () => {
  it('declares every operator variable, jira_cloud_id required and validated as a UUID', () => {
    expect(Object.keys(tf.variable).sort()).toEqual(
      [
        'alarm_email',
        'aws_region',
        'caller_aws_arns',
        'environment',
        'jira_cloud_id',
        'kms_key_arn',
        'lambda_zip',
        'log_level',
        'log_retention_days',
        'memory_mb',
        'refresh_schedule',
        'rule_set',
        'rules_file',
        'secret_prefix',
        'secret_store',
      ].sort(),
    );
    const id = tf.variable.jira_cloud_id;
    expect(id.default).toBeUndefined();
    const regex = /regex\("([^"]+)"/.exec(id.validation[0].condition)?.[1];
    expect(regex).toBeDefined();
    const uuid = new RegExp(regex as string);
    expect(uuid.test('0a1b2c3d-1234-4abc-8def-0123456789ab')).toBe(true);
    expect(uuid.test('0a1b2c3d-1234-4abc-8def-0123456789ab-x')).toBe(false);
    expect(uuid.test('my-site.atlassian.net')).toBe(false);
    expect(tf.variable.caller_aws_arns.default).toBeUndefined();
  });

  it('validates the store choice and defaults to SSM', () => {
    const store = tf.variable.secret_store;
    expect(store.default).toBe('aws-ssm');
    expect(store.validation[0].condition).toBe(
      '${contains(["aws-ssm", "aws-secrets-manager"], var.secret_store)}',
    );
    for (const name of [
      'kms_key_arn',
      'caller_aws_arns',
      'memory_mb',
      'rule_set',
      'environment',
      'alarm_email',
    ])
      expect(tf.variable[name].validation, name).toHaveLength(1);
  });
});
