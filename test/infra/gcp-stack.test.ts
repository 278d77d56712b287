// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform interpolations.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsProxyStack } from '../../infra/aws-stack';
import {
  ALL_SECRETS,
  BLOCKED_ERROR,
  FUNCTION_ERRORS_METRIC,
  METRICS,
  REQUEST_ERRORS_METRIC,
  RETAINED,
} from '../../infra/common';
import { APIS } from '../../infra/gcp/apis';
import { GcpProxyStack } from '../../infra/gcp-stack';
import { strings, synthGcp, type Tf } from './synth';

let tf: Tf;
beforeAll(() => {
  tf = synthGcp();
});

const FN_SA = 'serviceAccount:${google_service_account.function_sa.email}';
const SALT_EXPR = '${(var.salt_version < 1) ? null : sha256(join("", [uuid(), uuid()]))}';
const SALT_VERSION = '${(var.salt_version < 1) ? null : var.salt_version}';
const BUILD_SA = 'serviceAccount:${google_service_account.build_sa.email}';
const CHANNELS =
  '${concat(var.notification_channels, google_monitoring_notification_channel.alarm_email_channel[*].id)}';

describe('GCP stack: function', () => {
  it('is a 2nd-gen nodejs22 function built by its own build account from the uploaded zip', () => {
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
      service_account: '${google_service_account.build_sa.id}',
      docker_repository: '${google_artifact_registry_repository.build_repository.id}',
    });
    expect(fn.service_config).toMatchObject({
      service_account_email: '${google_service_account.function_sa.email}',
      ingress_settings: '${var.ingress}',
      available_memory: '${var.memory_mb}Mi',
    });
    const env = fn.service_config.environment_variables;
    expect(env).toMatchObject({
      SECRET_STORE: 'gcp-secret-manager',
      GCP_PROJECT: '${var.gcp_project}',
      KEEP_PROJECT_NAMES: '${var.keep_project_names ? "true" : "false"}',
    });
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
      for_each: '${toset(var.invoker_members)}',
      role: 'roles/run.invoker',
      member: '${each.value}',
      name: '${google_cloudfunctions2_function.function.name}',
    });
    expect(members.scheduler_invoker.member).toBe(
      'serviceAccount:${google_service_account.scheduler_sa.email}',
    );
    expect(Object.keys(members).sort()).toEqual(['invokers', 'scheduler_invoker']);
    const json = JSON.stringify(tf);
    expect(json).not.toMatch(/allUsers|allAuthenticatedUsers/);
    expect(tf.resource.google_cloudfunctions2_function_iam_member).toBeUndefined();
    expect(tf.variable.invoker_members.validation[0].condition).toContain(
      '^(serviceAccount|user|group|domain|principal|principalSet):[^ ]+$',
    );
  });

  it('gives the build account only what a build needs: logs, sources, this repository', () => {
    const project: Tf = tf.resource.google_project_iam_member;
    expect(Object.keys(project).sort()).toEqual(['build_log_writer', 'build_source_reader']);
    expect(project.build_log_writer).toMatchObject({ role: 'roles/logging.logWriter', member: BUILD_SA });
    expect(project.build_source_reader).toMatchObject({
      role: 'roles/storage.objectViewer',
      member: BUILD_SA,
    });
    expect(project.build_source_reader.condition.expression).toBe(
      'resource.name.startsWith("projects/_/buckets/gcf-v2-sources-") || resource.name.startsWith("projects/_/buckets/${google_storage_bucket.source.name}")',
    );
    expect(tf.resource.google_artifact_registry_repository_iam_member.build_image_writer).toMatchObject({
      repository: '${google_artifact_registry_repository.build_repository.name}',
      role: 'roles/artifactregistry.writer',
      member: BUILD_SA,
    });
    expect(tf.resource.google_cloudfunctions2_function.function.depends_on).toEqual(
      expect.arrayContaining([
        'google_project_iam_member.build_log_writer',
        'google_project_iam_member.build_source_reader',
        'google_artifact_registry_repository_iam_member.build_image_writer',
      ]),
    );
  });

  it('enables every API it uses, IAM included, before the resources that need them', () => {
    const services: Tf = tf.resource.google_project_service;
    const enabled = Object.values(services).map((s) => s.service);
    expect(enabled).toEqual([...APIS, 'vpcaccess.googleapis.com']);
    expect(enabled).toEqual(
      expect.arrayContaining(['iam.googleapis.com', 'cloudresourcemanager.googleapis.com']),
    );
    expect(services.api_vpcaccess.count).toBe('${(var.vpc_connector == "") ? 0 : 1}');
    const apiRefs = Object.keys(services).map((id) => `google_project_service.${id}`);
    for (const [type, id] of [
      ['google_service_account', 'function_sa'],
      ['google_service_account', 'build_sa'],
      ['google_service_account', 'scheduler_sa'],
      ['google_project_iam_custom_role', 'secret_annotator'],
      ['google_project_iam_member', 'build_log_writer'],
      ['google_secret_manager_secret', 'secret_salt'],
      ['google_storage_bucket', 'source'],
      ['google_artifact_registry_repository', 'build_repository'],
      ['google_cloudfunctions2_function', 'function'],
      ['google_cloud_scheduler_job', 'refresh'],
      ['google_monitoring_notification_channel', 'alarm_email_channel'],
      ['google_monitoring_alert_policy', 'scheduler_failures'],
      ['google_monitoring_dashboard', 'dashboard'],
    ] as const)
      expect(tf.resource[type][id].depends_on, `${type}.${id}`).toEqual(expect.arrayContaining(apiRefs));
  });

  it('sends all egress through a VPC connector only when one is given', () => {
    const config = tf.resource.google_cloudfunctions2_function.function.service_config;
    expect(config.vpc_connector).toBe('${(var.vpc_connector == "") ? null : var.vpc_connector}');
    expect(config.vpc_connector_egress_settings).toBe('${(var.vpc_connector == "") ? null : "ALL_TRAFFIC"}');
    expect(tf.variable.vpc_connector.default).toBe('');
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
    expect(job.schedule).toBe('${var.gcp_refresh_schedule}');
    expect(tf.variable.gcp_refresh_schedule.default).toBe('17 */6 * * *');
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

  it('gives only the salt a Terraform version, random, write-only, rotated by salt_version', () => {
    const versions: Tf = tf.resource.google_secret_manager_secret_version;
    expect(Object.keys(versions)).toEqual(['salt_initial']);
    expect(versions.salt_initial).toMatchObject({
      secret: '${google_secret_manager_secret.secret_salt.id}',
      secret_data_wo: SALT_EXPR,
      secret_data_wo_version: SALT_VERSION,
      lifecycle: { ignore_changes: ['secret_data', 'enabled'] },
    });
    expect(tf.terraform.required_version).toBe('>= 1.11.0');
    expect(tf.terraform.required_providers.google.version).toBe('>= 6.50.0, < 8.0.0');
  });

  it('writes no secret value into the synthesized JSON', () => {
    for (const [type, resources] of Object.entries(tf.resource as Tf))
      for (const [name, body] of Object.entries(resources as Tf))
        for (const key of ['secret_data', 'value', 'secret_string'])
          expect(body, `${type}.${name}`).not.toHaveProperty(key);
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
      REFRESH_OUTCOME: rotating,
      LOCK: [annotator],
    });
    expect(tf.resource.google_project_iam_custom_role.secret_annotator.permissions).toEqual([
      'secretmanager.secrets.get',
      'secretmanager.secrets.update',
    ]);
  });
});

describe('GCP stack: alerts, dashboard, outputs, variables', () => {
  it('turns every metric the proxy logs into a log-based metric, plus errors by code and function errors', () => {
    const metrics: Tf = tf.resource.google_logging_metric;
    const service = 'resource.type="cloud_run_revision" AND resource.labels.service_name="${local.name}"';
    for (const metric of Object.values(METRICS)) {
      expect(metrics[`metric_${metric}`], metric).toMatchObject({
        name: `\${local.name}/${metric}`,
        filter: `${service} AND jsonPayload.metric="${metric}"`,
      });
    }
    expect(metrics[`metric_${METRICS.daysLeft}`].value_extractor).toBe('EXTRACT(jsonPayload.value)');
    expect(metrics[`metric_${METRICS.lockWaitMs}`].metric_descriptor.value_type).toBe('DISTRIBUTION');
    expect(metrics[`metric_${REQUEST_ERRORS_METRIC}`]).toMatchObject({
      filter: `${service} AND jsonPayload.message="request" AND jsonPayload.error:*`,
      label_extractors: { error: 'EXTRACT(jsonPayload.error)' },
    });
    expect(metrics[`metric_${FUNCTION_ERRORS_METRIC}`].filter).toBe(
      `${service} AND (severity>=ERROR OR jsonPayload.level="ERROR")`,
    );
    expect(tf.moved).toEqual([
      {
        from: 'google_logging_metric.metric_refresh_failures',
        to: `google_logging_metric.metric_${METRICS.refreshFailure}`,
      },
      {
        from: 'google_logging_metric.metric_days_left',
        to: `google_logging_metric.metric_${METRICS.daysLeft}`,
      },
      {
        from: 'google_logging_metric.metric_refreshes',
        to: `google_logging_metric.metric_${METRICS.refresh}`,
      },
    ]);
  });

  it('alerts on refresh failures and rejections, write-back failures, function errors, days left and scheduler failures', () => {
    const policies: Tf = tf.resource.google_monitoring_alert_policy;
    const type = (m: string) => `metric.type="logging.googleapis.com/user/\${local.name}/${m}"`;
    const watched = (id: string) => policies[id].conditions[0].condition_threshold;
    expect(Object.keys(policies).sort()).toEqual(
      [
        'refresh_failures',
        'refresh_rejected',
        'write_back_failures',
        'function_errors',
        'family_days_left',
        'scheduler_failures',
      ].sort(),
    );
    for (const [id, metric] of [
      ['refresh_failures', METRICS.refreshFailure],
      ['refresh_rejected', METRICS.refreshRejected],
      ['write_back_failures', METRICS.writeBackFailure],
      ['function_errors', FUNCTION_ERRORS_METRIC],
    ] as const) {
      expect(watched(id).filter, id).toContain(type(metric));
      expect(watched(id), id).toMatchObject({ comparison: 'COMPARISON_GT', threshold_value: 0 });
    }
    const [below, absent] = policies.family_days_left.conditions;
    expect(below.condition_threshold).toMatchObject({ comparison: 'COMPARISON_LT', threshold_value: 30 });
    expect(below.condition_threshold.filter).toContain(type(METRICS.daysLeft));
    expect(absent.condition_absent.filter).toContain(type(METRICS.daysLeft));
    expect(absent.condition_absent.duration).toBe('82800s');
    expect(policies.scheduler_failures.conditions[0].condition_matched_log.filter).toBe(
      'resource.type="cloud_scheduler_job" AND resource.labels.job_id="${local.name}-refresh" AND severity>=ERROR',
    );
    expect(policies.scheduler_failures.alert_strategy.notification_rate_limit.period).toBe('3600s');
    for (const [id, p] of Object.entries(policies)) {
      expect(p.notification_channels, id).toBe(CHANNELS);
      expect(p.documentation.content, id).toMatch(/^jira-token-proxy: /);
    }
    expect(tf.resource.google_monitoring_notification_channel.alarm_email_channel.count).toBe(
      '${(var.alarm_email == "") ? 0 : 1}',
    );
  });

  it('has a dashboard of requests, errors, blocked requests, latency and every proxy metric, with its URL', () => {
    const dashboard = JSON.parse(tf.resource.google_monitoring_dashboard.dashboard.dashboard_json);
    const tiles = dashboard.mosaicLayout.tiles;
    expect(tiles.map((t: Tf) => t.widget.title)).toEqual([
      'Requests by status class',
      'Errors by code (X-Psoxy-Error)',
      'Blocked requests',
      'Latency (ms)',
      'Refreshes',
      'Lock waits (ms)',
      'Write-backs and store',
      'Token family days left',
    ]);
    const filters = JSON.stringify(tiles);
    for (const metric of Object.values(METRICS)) expect(filters, metric).toContain(`/${metric}\\"`);
    expect(filters).toContain('run.googleapis.com/request_count');
    expect(filters).toContain('run.googleapis.com/request_latencies');
    expect(filters).toContain('REDUCE_PERCENTILE_99');
    expect(filters).toContain(`metric.label.error=\\"${BLOCKED_ERROR}\\"`);
    expect(tf.output.dashboard_url.value).toBe(
      'https://console.cloud.google.com/monitoring/dashboards/custom/${element(split("/", google_monitoring_dashboard.dashboard.id), 3)}?project=${var.gcp_project}',
    );
  });

  it('outputs the URL and commands to seed and test', () => {
    expect(tf.output.proxy_url.value).toBe('${google_cloudfunctions2_function.function.url}');
    const commands: string = tf.output.test_commands.value;
    expect(commands).toContain('SECRET_STORE=gcp-secret-manager SECRET_PREFIX=${var.secret_prefix}');
    expect(commands).toContain(
      'npx jira-token-proxy test-calls --url ${google_cloudfunctions2_function.function.url} --impersonate ${trimprefix(element(var.invoker_members, 0), "serviceAccount:")}',
    );
  });

  it('declares the operator variables with validation', () => {
    expect(Object.keys(tf.variable).sort()).toEqual(
      [
        'alarm_email',
        'environment',
        'function_zip',
        'gcp_project',
        'gcp_refresh_schedule',
        'gcp_region',
        'ingress',
        'invoker_members',
        'jira_cloud_id',
        'keep_project_names',
        'log_level',
        'memory_mb',
        'notification_channels',
        'rule_set',
        'rules_file',
        'salt_version',
        'secret_prefix',
        'vpc_connector',
      ].sort(),
    );
    for (const name of ['jira_cloud_id', 'gcp_project', 'invoker_members']) {
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
