// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform interpolations.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsProxyStack } from '../../infra/aws-stack';
import { ALL_SECRETS, RETAINED } from '../../infra/common';
import { GcpProxyStack } from '../../infra/gcp-stack';
import { strings, synthGcp, type Tf } from './synth';

let tf: Tf;
beforeAll(() => {
  tf = synthGcp();
});

const FN_SA = 'serviceAccount:${google_service_account.function_sa.email}';
const SALT_EXPR = '${sha256(join("", [uuid(), uuid()]))}';

describe('GCP stack: function', () => {
  it('is a 2nd-gen nodejs22 function built from the uploaded zip, running as its own account', () => {
    const fn = tf.resource.google_cloudfunctions2_function.function;
    expect(fn.build_config).toEqual({
      runtime: 'nodejs22',
      entry_point: 'jiraTokenProxy',
      source: {
        storage_source: {
          bucket: '${google_storage_bucket.source.name}',
          object: '${google_storage_bucket_object.source_zip.name}',
        },
      },
    });
    expect(fn.service_config).toMatchObject({
      service_account_email: '${google_service_account.function_sa.email}',
      ingress_settings: '${var.ingress}',
      available_memory: '${var.memory_mb}Mi',
    });
    const env = fn.service_config.environment_variables;
    expect(env).toMatchObject({ SECRET_STORE: 'gcp-secret-manager', GCP_PROJECT: '${var.gcp_project}' });
    expect(fn.service_config.timeout_seconds).toBeGreaterThan(Number(env.UPSTREAM_TIMEOUT_SECONDS));
    const object = tf.resource.google_storage_bucket_object.source_zip;
    expect(object).toMatchObject({
      source: '${local.function_zip_path}',
      name: 'gcp-function-${filemd5(local.function_zip_path)}.zip',
    });
    expect(tf.resource.google_storage_bucket.source.public_access_prevention).toBe('enforced');
  });

  it('lets only the invokers and the scheduler account call it', () => {
    const members: Tf = tf.resource.google_cloud_run_v2_service_iam_member;
    expect(members.invokers).toMatchObject({
      for_each: '${toset(var.invoker_service_accounts)}',
      role: 'roles/run.invoker',
      member: 'serviceAccount:${each.value}',
      name: '${google_cloudfunctions2_function.function.name}',
    });
    expect(members.scheduler_invoker.member).toBe(
      'serviceAccount:${google_service_account.scheduler_sa.email}',
    );
    expect(Object.keys(members).sort()).toEqual(['invokers', 'scheduler_invoker']);
    const json = JSON.stringify(tf);
    expect(json).not.toMatch(/allUsers|allAuthenticatedUsers/);
    expect(tf.resource.google_cloudfunctions2_function_iam_member).toBeUndefined();
    expect(tf.resource.google_project_iam_member).toBeUndefined();
  });

  it('refreshes on schedule with an OIDC token of the scheduler account', () => {
    const job = tf.resource.google_cloud_scheduler_job.refresh;
    expect(job.http_target).toEqual({
      http_method: 'POST',
      uri: '${google_cloudfunctions2_function.function.url}/_refresh',
      oidc_token: {
        service_account_email: '${google_service_account.scheduler_sa.email}',
        audience: '${google_cloudfunctions2_function.function.url}',
      },
    });
    expect(job.schedule).toBe('${var.refresh_schedule}');
  });
});

describe('GCP stack: secrets', () => {
  it('creates every secret, protecting the token family and the salt from destroy', () => {
    const secrets: Tf = tf.resource.google_secret_manager_secret;
    expect(Object.keys(secrets)).toHaveLength(ALL_SECRETS.length);
    for (const s of ALL_SECRETS) {
      const secret = secrets[`secret_${s.toLowerCase()}`];
      expect(secret.secret_id).toBe(`\${var.secret_prefix}${s}`);
      expect(secret.replication).toEqual({ auto: {} });
      expect(secret.lifecycle).toEqual({
        ignore_changes: ['annotations'],
        prevent_destroy: RETAINED.includes(s),
      });
    }
  });

  it('gives only the salt a Terraform version, random and ignored after creation', () => {
    const versions: Tf = tf.resource.google_secret_manager_secret_version;
    expect(Object.keys(versions)).toEqual(['salt_initial']);
    expect(versions.salt_initial).toMatchObject({
      secret: '${google_secret_manager_secret.secret_salt.id}',
      secret_data: SALT_EXPR,
      lifecycle: { ignore_changes: ['secret_data', 'enabled'] },
    });
    for (const { path, value } of strings(tf)) {
      expect(value, path).not.toMatch(/\b[0-9a-f]{32,}\b|eyJ[A-Za-z0-9_-]{10,}/);
    }
  });

  it('binds each secret to exactly the roles its use needs, for the function account only', () => {
    const roles = new Map<string, string[]>();
    for (const m of Object.values(tf.resource.google_secret_manager_secret_iam_member as Tf)) {
      expect(m.member).toBe(FN_SA);
      const suffix = /secret_([a-z_]+)\.id/.exec(m.secret_id)?.[1]?.toUpperCase() as string;
      roles.set(suffix, [...(roles.get(suffix) ?? []), m.role].sort());
    }
    const annotator = '${google_project_iam_custom_role.secret_annotator.name}';
    const readOnly = ['roles/secretmanager.secretAccessor', 'roles/secretmanager.viewer'].sort();
    const rotating = [
      'roles/secretmanager.secretAccessor',
      'roles/secretmanager.secretVersionManager',
      annotator,
    ].sort();
    expect(Object.fromEntries(roles)).toEqual({
      CLIENT_ID: readOnly,
      CLIENT_SECRET: readOnly,
      TOKEN_FAMILY: readOnly,
      SALT: readOnly,
      REFRESH_TOKEN: rotating,
      ACCESS_TOKEN: rotating,
      LOCK: [annotator],
    });
    expect(tf.resource.google_project_iam_custom_role.secret_annotator.permissions).toEqual([
      'secretmanager.secrets.get',
      'secretmanager.secrets.update',
    ]);
  });
});

describe('GCP stack: alerts, outputs, variables', () => {
  it('turns the metric log lines into metrics and alerts on failures and days left', () => {
    const metrics: Tf = tf.resource.google_logging_metric;
    expect(metrics.metric_refresh_failures.filter).toContain('jsonPayload.metric="tokenRefreshFailure"');
    expect(metrics.metric_days_left.filter).toContain('jsonPayload.metric="tokenFamilyDaysLeft"');
    expect(metrics.metric_days_left.value_extractor).toBe('EXTRACT(jsonPayload.value)');
    const policies: Tf = tf.resource.google_monitoring_alert_policy;
    expect(policies.refresh_failures.conditions[0].condition_threshold).toMatchObject({
      comparison: 'COMPARISON_GT',
      threshold_value: 0,
    });
    expect(policies.family_days_left.conditions[0].condition_threshold).toMatchObject({
      comparison: 'COMPARISON_LT',
      threshold_value: 30,
    });
    for (const p of Object.values(policies))
      expect(p.notification_channels).toBe(
        '${google_monitoring_notification_channel.alarm_email_channel[*].id}',
      );
    expect(tf.resource.google_monitoring_notification_channel.alarm_email_channel.count).toBe(
      '${(var.alarm_email == "") ? 0 : 1}',
    );
  });

  it('outputs the URL and commands to seed and test', () => {
    expect(tf.output.proxy_url.value).toBe('${google_cloudfunctions2_function.function.url}');
    const commands: string = tf.output.test_commands.value;
    expect(commands).toContain('SECRET_STORE=gcp-secret-manager SECRET_PREFIX=${var.secret_prefix}');
    expect(commands).toContain(
      'npx jira-token-proxy test-calls --url ${google_cloudfunctions2_function.function.url} --impersonate ${element(var.invoker_service_accounts, 0)}',
    );
  });

  it('declares the operator variables with validation', () => {
    expect(Object.keys(tf.variable).sort()).toEqual(
      [
        'alarm_email',
        'environment',
        'function_zip',
        'gcp_project',
        'gcp_region',
        'ingress',
        'invoker_service_accounts',
        'jira_cloud_id',
        'log_level',
        'memory_mb',
        'refresh_schedule',
        'rule_set',
        'rules_file',
        'secret_prefix',
      ].sort(),
    );
    for (const name of ['jira_cloud_id', 'gcp_project', 'invoker_service_accounts']) {
      expect(tf.variable[name].default, name).toBeUndefined();
      expect(tf.variable[name].validation, name).toHaveLength(1);
    }
    // GCP secret ids allow no `/` or `.`.
    expect(tf.variable.secret_prefix.validation[0].condition).toContain('^[A-Za-z0-9_-]{1,200}$');
  });
});

describe('npm run synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jtp-synth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes both stacks where the operator docs say, with state kept outside the output', () => {
    const app = new App({ outdir: dir });
    new AwsProxyStack(app, 'aws');
    new GcpProxyStack(app, 'gcp');
    app.synth();
    for (const stack of ['aws', 'gcp']) {
      const doc = JSON.parse(readFileSync(join(dir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      expect(doc.terraform.backend.local.path).toBe(`../../../terraform-state/${stack}.tfstate`);
      expect(Object.keys(doc.terraform.required_providers)).toEqual([stack === 'aws' ? 'aws' : 'google']);
      expect(doc.variable.jira_cloud_id.validation).toHaveLength(1);
    }
  });
});
