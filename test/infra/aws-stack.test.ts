// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform interpolations.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_SECRETS,
  BLOCKED_ERROR,
  METRICS,
  PLACEHOLDER,
  REQUEST_ERRORS_METRIC,
  RETAINED,
} from '../../infra/common';
import { errorResponse, ProxyError } from '../../src/errors';
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
const SALT_EXPR = '${(var.salt_version < 1) ? null : sha256(join("", [uuid(), uuid()]))}';
const SALT_VERSION = '${(var.salt_version < 1) ? null : var.salt_version}';
const TOPIC = '${local.alarm_topic}';

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
        'KEEP_PROJECT_NAMES',
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
  it('creates every SSM parameter but the lock, through value_wo, a placeholder never rewritten', () => {
    const params: Tf = tf.resource.aws_ssm_parameter;
    const expected = ALL_SECRETS.filter((s) => s !== 'LOCK');
    expect(Object.keys(params).sort()).toEqual(expected.map((s) => `ssm_${s.toLowerCase()}`).sort());
    for (const s of expected) {
      const p = params[`ssm_${s.toLowerCase()}`];
      expect(p.name).toBe(`\${local.ssm_prefix}${s}`);
      expect(p.type).toBe('SecureString');
      expect(p.count).toBe('${local.use_ssm ? 1 : 0}');
      expect(p.lifecycle.prevent_destroy).toBe(RETAINED.includes(s));
      expect(p.key_id).toBe('${(var.kms_key_arn == "") ? null : var.kms_key_arn}');
      expect(p).not.toHaveProperty('value');
      if (s === 'SALT') {
        expect(p).toMatchObject({ value_wo: SALT_EXPR, value_wo_version: SALT_VERSION });
        expect(p.lifecycle.ignore_changes).toEqual(['value']);
      } else {
        expect(p).toMatchObject({ value_wo: PLACEHOLDER, value_wo_version: 1 });
        expect(p.lifecycle.ignore_changes).toEqual(['value', 'value_wo_version']);
      }
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
      expect(version.version_stages).toContain('TERRAFORM_INITIAL');
      expect(version).not.toHaveProperty('secret_string');
      const salt = s === 'SALT';
      expect(version.secret_string_wo).toBe(salt ? SALT_EXPR : PLACEHOLDER);
      expect(version.secret_string_wo_version).toBe(salt ? SALT_VERSION : 1);
      expect(version.lifecycle.ignore_changes).toEqual(
        salt
          ? ['secret_string', 'version_stages']
          : ['secret_string', 'version_stages', 'secret_string_wo_version'],
      );
    }
  });

  it('writes no secret value into the synthesized JSON: only write-only arguments', () => {
    for (const block of [tf.resource, tf.data])
      for (const [type, resources] of Object.entries(block as Tf))
        for (const [name, body] of Object.entries(resources as Tf))
          for (const key of ['value', 'secret_string', 'secret_data', 'secret_binary'])
            expect(body, `${type}.${name}`).not.toHaveProperty(key);
    const written = [
      ...Object.values(tf.resource.aws_ssm_parameter as Tf).map((p) => p.value_wo),
      ...Object.values(tf.resource.aws_secretsmanager_secret_version as Tf).map((p) => p.secret_string_wo),
    ];
    expect(new Set(written)).toEqual(new Set([PLACEHOLDER, SALT_EXPR]));
    for (const { path, value } of strings(tf)) {
      expect(value, path).not.toMatch(/\b[0-9a-f]{32,}\b|eyJ[A-Za-z0-9_-]{10,}/);
    }
    expect(JSON.stringify(tf.output)).not.toMatch(/aws_ssm_parameter|aws_secretsmanager_secret_version/);
  });

  it('requires Terraform 1.11 (write-only arguments) and a provider range that admits 5.100', () => {
    expect(tf.terraform.required_version).toBe('>= 1.11.0');
    expect(tf.terraform.required_providers.aws.version).toBe('>= 5.100.0, < 7.0.0');
  });
});

describe('AWS stack: IAM', () => {
  it('grants the execution role exactly its own SSM parameters', () => {
    const s = statements(tf, 'ssm_access');
    const lock = [ssmArn('LOCK'), ssmArn('LOCK.takeover-*')];
    expect(s.ReadSecrets?.actions).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
    expect(s.ReadSecrets?.resources).toEqual([
      ...[
        'CLIENT_ID',
        'CLIENT_SECRET',
        'REFRESH_TOKEN',
        'ACCESS_TOKEN',
        'TOKEN_FAMILY',
        'SALT',
        'REFRESH_OUTCOME',
      ].map(ssmArn),
      ...lock,
    ]);
    expect(s.WriteRotatingAndLock?.actions).toEqual(['ssm:PutParameter']);
    expect(s.WriteRotatingAndLock?.resources).toEqual([
      ssmArn('REFRESH_TOKEN'),
      ssmArn('ACCESS_TOKEN'),
      ssmArn('REFRESH_OUTCOME'),
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
    expect(s.WriteRotatingAndLock?.resources).toEqual(
      ['REFRESH_TOKEN', 'ACCESS_TOKEN', 'REFRESH_OUTCOME', 'LOCK'].map(smArn),
    );
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
      resources: [
        'arn:${data.aws_partition.current_partition.partition}:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/${local.name}:*',
      ],
    });
  });

  it('lets the caller role invoke this function URL and nothing else', () => {
    expect(statements(tf, 'caller_trust_aws')).toEqual({
      AwsCallers: {
        sid: 'AwsCallers',
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'AWS', identifiers: '${var.caller_aws_arns}' }],
      },
    });
    expect(statements(tf, 'caller_trust_google')).toEqual({
      GoogleServiceAccounts: {
        sid: 'GoogleServiceAccounts',
        actions: ['sts:AssumeRoleWithWebIdentity'],
        principals: [{ type: 'Federated', identifiers: ['accounts.google.com'] }],
        condition: [
          {
            test: 'StringEquals',
            variable: 'accounts.google.com:aud',
            values: '${var.caller_gcp_service_account_ids}',
          },
        ],
      },
    });
    const docs: Tf = tf.data.aws_iam_policy_document;
    expect(docs.caller_trust_aws.count).toBe('${(length(var.caller_aws_arns) >= 1) ? 1 : 0}');
    expect(docs.caller_trust_google.count).toBe(
      '${(length(var.caller_gcp_service_account_ids) >= 1) ? 1 : 0}',
    );
    expect(docs.caller_trust.source_policy_documents).toBe(
      '${concat(data.aws_iam_policy_document.caller_trust_aws[*].json, data.aws_iam_policy_document.caller_trust_google[*].json)}',
    );
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
      for (const st of (body.statement ?? []) as Tf[]) {
        for (const a of st.actions ?? []) expect(a, doc).not.toContain('*');
        for (const r of st.resources ?? [])
          expect(r, doc).not.toMatch(/^\*$|:\*$(?<!\/aws\/lambda\/\$\{local\.name\}:\*$)/);
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

describe('AWS stack: schedule, alarms, dashboard, outputs', () => {
  it('invokes the refresh path on schedule, with a role that may invoke only this function, and a DLQ', () => {
    const schedule = tf.resource.aws_scheduler_schedule.refresh;
    expect(schedule.schedule_expression).toBe('${var.aws_refresh_schedule}');
    expect(tf.variable.aws_refresh_schedule.default).toBe('rate(1 day)');
    expect(schedule.target).toMatchObject({
      arn: FN_ARN,
      role_arn: '${aws_iam_role.scheduler_role.arn}',
      dead_letter_config: { arn: '${aws_sqs_queue.refresh_dlq.arn}' },
    });
    expect(JSON.parse(schedule.target.input)).toEqual({ action: 'refresh' });
    expect(statements(tf, 'scheduler_access')).toEqual({
      InvokeRefresh: { sid: 'InvokeRefresh', actions: ['lambda:InvokeFunction'], resources: [FN_ARN] },
      DeadLetter: {
        sid: 'DeadLetter',
        actions: ['sqs:SendMessage'],
        resources: ['${aws_sqs_queue.refresh_dlq.arn}'],
      },
    });
    expect(tf.resource.aws_sqs_queue.refresh_dlq).toMatchObject({
      name: '${local.name}-refresh-dlq',
      sqs_managed_sse_enabled: true,
    });
  });

  it('turns every metric the proxy logs into a CloudWatch metric, and errors into one per code', () => {
    const filters: Tf = tf.resource.aws_cloudwatch_log_metric_filter;
    for (const [key, metric] of Object.entries(METRICS)) {
      expect(filters[`metric_${key}`], metric).toMatchObject({
        pattern: `{ $.metric = "${metric}" }`,
        metric_transformation: {
          name: metric,
          namespace: 'JiraTokenProxy/${var.environment}',
          value: '$.value',
        },
      });
    }
    expect(filters.metric_requestErrors).toMatchObject({
      pattern: '{ $.message = "request" && $.error = "*" }',
      metric_transformation: { name: REQUEST_ERRORS_METRIC, value: '1', dimensions: { error: '$.error' } },
    });
    expect(Object.keys(filters)).toHaveLength(Object.keys(METRICS).length + 1);
  });

  it('alarms on refresh failures and rejections, write-back failures, function errors, days left and the DLQ', () => {
    const alarms: Tf = tf.resource.aws_cloudwatch_metric_alarm;
    const own = 'JiraTokenProxy/${var.environment}';
    expect(
      Object.fromEntries(
        Object.entries(alarms).map(([id, a]) => [
          id,
          [a.namespace, a.metric_name, a.statistic, a.comparison_operator, a.threshold, a.treat_missing_data],
        ]),
      ),
    ).toEqual({
      refresh_failures: [
        own,
        METRICS.refreshFailure,
        'Sum',
        'GreaterThanOrEqualToThreshold',
        1,
        'notBreaching',
      ],
      refresh_rejected: [
        own,
        METRICS.refreshRejected,
        'Sum',
        'GreaterThanOrEqualToThreshold',
        1,
        'notBreaching',
      ],
      write_back_failures: [
        own,
        METRICS.writeBackFailure,
        'Sum',
        'GreaterThanOrEqualToThreshold',
        1,
        'notBreaching',
      ],
      function_errors: ['AWS/Lambda', 'Errors', 'Sum', 'GreaterThanOrEqualToThreshold', 1, 'notBreaching'],
      family_days_left: [own, METRICS.daysLeft, 'Minimum', 'LessThanThreshold', 30, 'breaching'],
      refresh_dead_letters: [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'Maximum',
        'GreaterThanOrEqualToThreshold',
        1,
        'notBreaching',
      ],
    });
    expect(alarms.function_errors.dimensions).toEqual({
      FunctionName: '${aws_lambda_function.function.function_name}',
    });
    expect(alarms.refresh_dead_letters.dimensions).toEqual({
      QueueName: '${aws_sqs_queue.refresh_dlq.name}',
    });
    // A stopped schedule: two days without a report alarm.
    expect(alarms.family_days_left).toMatchObject({
      period: 86400,
      evaluation_periods: 2,
      datapoints_to_alarm: 2,
    });
    for (const [id, a] of Object.entries(alarms)) {
      expect(a.alarm_actions, id).toEqual([TOPIC]);
      expect(a.ok_actions, id).toEqual([TOPIC]);
      expect(a.alarm_description, id).toMatch(/^jira-token-proxy: /);
    }
  });

  it('notifies the operator topic or one it creates, with an e-mail subscription when set', () => {
    expect(tf.locals.alarm_topic).toBe(
      '${(var.alarm_sns_topic_arn == "") ? one(aws_sns_topic.alarms[*].arn) : var.alarm_sns_topic_arn}',
    );
    expect(tf.resource.aws_sns_topic.alarms.count).toBe('${(var.alarm_sns_topic_arn == "") ? 1 : 0}');
    expect(tf.resource.aws_sns_topic_subscription.alarm_email_subscription).toMatchObject({
      count: '${(var.alarm_email == "") ? 0 : 1}',
      topic_arn: TOPIC,
      protocol: 'email',
      endpoint: '${var.alarm_email}',
    });
    expect(tf.output.alarm_topic_arn.value).toBe(TOPIC);
  });

  it('has a dashboard of requests, errors, blocked requests, latency and every proxy metric, with its URL', () => {
    const dashboard = tf.resource.aws_cloudwatch_dashboard.dashboard;
    const body = JSON.parse(dashboard.dashboard_body);
    const titles = body.widgets.map((w: Tf) => w.properties.title);
    expect(titles).toEqual([
      'Requests by status',
      'Errors by code (X-Psoxy-Error)',
      'Blocked requests',
      'Latency (ms)',
      'Refreshes',
      'Lock waits (ms)',
      'Write-backs and store',
      'Token family days left',
      'Invocations, errors, duration',
    ]);
    const metrics = JSON.stringify(body.widgets.map((w: Tf) => w.properties.metrics));
    for (const metric of [
      ...Object.values(METRICS),
      'UrlRequestCount',
      'Url4xxCount',
      'Url5xxCount',
      'UrlRequestLatency',
    ])
      expect(metrics, metric).toContain(`"${metric}"`);
    expect(metrics).toContain(`"${REQUEST_ERRORS_METRIC}","error","${BLOCKED_ERROR}"`);
    // The value the proxy itself sends for a refused request.
    expect(errorResponse(new ProxyError('blocked_by_rules', 'refused')).headers.get('x-psoxy-error')).toBe(
      BLOCKED_ERROR,
    );
    expect(metrics).toContain('"stat":"p99"');
    expect(tf.output.dashboard_url.value).toBe(
      'https://console.aws.amazon.com/cloudwatch/home?region=${var.aws_region}#dashboards:name=${aws_cloudwatch_dashboard.dashboard.dashboard_name}',
    );
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

describe('AWS stack: network and variables', () => {
  it('puts the Lambda in a VPC only when subnets are given, with the managed ENI policy', () => {
    expect(tf.resource.aws_lambda_function.function.vpc_config).toEqual({
      subnet_ids: '${var.vpc_subnet_ids}',
      security_group_ids: '${var.vpc_security_group_ids}',
    });
    expect(tf.variable.vpc_subnet_ids.default).toEqual([]);
    expect(tf.resource.aws_iam_role_policy_attachment.exec_vpc).toMatchObject({
      count: '${(length(var.vpc_subnet_ids) >= 1) ? 1 : 0}',
      policy_arn:
        'arn:${data.aws_partition.current_partition.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    });
  });

  it('declares every operator variable, jira_cloud_id required and validated as a UUID', () => {
    expect(Object.keys(tf.variable).sort()).toEqual(
      [
        'alarm_email',
        'alarm_sns_topic_arn',
        'aws_refresh_schedule',
        'aws_region',
        'caller_aws_arns',
        'caller_gcp_service_account_ids',
        'environment',
        'jira_cloud_id',
        'keep_project_names',
        'kms_key_arn',
        'lambda_zip',
        'log_level',
        'log_retention_days',
        'memory_mb',
        'rule_set',
        'rules_file',
        'salt_version',
        'secret_prefix',
        'secret_store',
        'vpc_security_group_ids',
        'vpc_subnet_ids',
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
  });

  it('validates the store choice and defaults to SSM', () => {
    const store = tf.variable.secret_store;
    expect(store.default).toBe('aws-ssm');
    expect(store.validation[0].condition).toBe(
      '${contains(["aws-ssm", "aws-secrets-manager"], var.secret_store)}',
    );
    // a free path, a zip path and a bool (its type is its check) need no validation of their own
    const unchecked = ['rules_file', 'lambda_zip', 'keep_project_names'];
    for (const name of Object.keys(tf.variable).filter((n) => !unchecked.includes(n)))
      expect(tf.variable[name].validation, name).toHaveLength(1);
  });
});
