// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform expressions.
import { secretManagerSecretReplicationToTerraform } from '@cdktf/provider-google/lib/secret-manager-secret';
import { storageBucketEncryptionToTerraform } from '@cdktf/provider-google/lib/storage-bucket';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { AUDIT_MESSAGE } from '../../src/log';
import { statements, synthAws, synthGcp, type Tf } from './synth';

/**
 * The enterprise controls of issue 26 in the synthesized JSON of both stacks: one customer key
 * for everything at rest, permissions boundaries, the operator's tags and labels, data residency,
 * caller networks, caps and the audit trail. The AWS plans with each set and unset are in
 * test/infra/terraform/aws.tftest.hcl; the GCP expressions are evaluated by Terraform in
 * gcp-expressions.test.ts.
 */

const aws = synthAws();
const gcp = synthGcp();
const CUSTOMER_KEY = '${local.customer_key_given ? var.kms_key_arn : null}';

/** The shape of a Terraform JSON block: its keys, recursively, with `dynamic` blocks unfolded. */
function shape(node: unknown): unknown {
  if (Array.isArray(node)) return shape(node[0]);
  if (!node || typeof node !== 'object') return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Tf)) {
    if (k === 'dynamic')
      for (const [block, d] of Object.entries(v as Tf)) out[block] = shape((d as Tf).content);
    else if (k !== 'for_each') out[k] = shape(v);
  }
  return out;
}

describe('AWS: one customer key for everything at rest', () => {
  it('encrypts the Lambda environment, the log group, the dead-letter queue and the created topic with kms_key_arn', () => {
    const r = aws.resource;
    expect(aws.locals.customer_key_given).toBe('${(var.kms_key_arn != "")}');
    expect(r.aws_lambda_function.function.kms_key_arn).toBe(CUSTOMER_KEY);
    expect(r.aws_cloudwatch_log_group.logs.kms_key_id).toBe(CUSTOMER_KEY);
    expect(r.aws_sqs_queue.refresh_dlq.kms_master_key_id).toBe(CUSTOMER_KEY);
    expect(r.aws_sqs_queue.refresh_dlq.sqs_managed_sse_enabled).toBe(
      '${local.customer_key_given ? null : true}',
    );
    expect(r.aws_sns_topic.alarms.kms_master_key_id).toBe(CUSTOMER_KEY);
    // The secrets already took it (infra/aws/secrets.ts).
    expect(r.aws_ssm_parameter.ssm_salt.key_id).toBe('${(var.kms_key_arn == "") ? null : var.kms_key_arn}');
  });

  it('grants the execution and scheduler roles the key through one service each, only with a key', () => {
    for (const [policy, role, service, actions] of [
      ['exec_environment_key', 'exec_role', 'lambda', ['kms:Decrypt']],
      ['scheduler_queue_key', 'scheduler_role', 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']],
    ] as const) {
      expect(aws.resource.aws_iam_role_policy[policy]).toMatchObject({
        count: '${local.customer_key_given ? 1 : 0}',
        role: `\${aws_iam_role.${role}.id}`,
        policy: `\${one(data.aws_iam_policy_document.${policy}_access[*].json)}`,
      });
      expect(Object.values(statements(aws, `${policy}_access`))).toEqual([
        {
          sid: expect.any(String),
          actions,
          resources: ['${var.kms_key_arn}'],
          condition: [
            {
              test: 'StringEquals',
              variable: 'kms:ViaService',
              values: [`${service}.\${var.aws_region}.amazonaws.com`],
            },
          ],
        },
      ]);
    }
    expect(aws.resource.aws_lambda_function.function.depends_on).toContain(
      'aws_iam_role_policy.exec_environment_key',
    );
  });
});

describe('AWS: boundaries, tags, caller networks, caps, audit', () => {
  it('sets permissions_boundary_arn on every role the stack creates', () => {
    const roles = Object.entries(aws.resource.aws_iam_role as Tf);
    expect(roles.map(([n]) => n).sort()).toEqual(['caller_role', 'exec_role', 'scheduler_role']);
    for (const [name, role] of roles)
      expect(role.permissions_boundary, name).toBe(
        '${(var.permissions_boundary_arn == "") ? null : var.permissions_boundary_arn}',
      );
  });

  it("merges the operator's tags under app and environment into default_tags", () => {
    expect(aws.provider.aws[0].default_tags[0].tags).toBe(
      '${merge(var.tags, {"app" = "jira-token-proxy", "environment" = var.environment})}',
    );
    const condition: string = aws.variable.tags.validation[0].condition;
    expect(condition).toContain('!contains(["app","environment"], k)');
    expect(condition).toContain('!startswith(lower(k), "aws:")');
  });

  it('denies the callers the function URL outside allowed_caller_ip_ranges, and tells the proxy the same ranges', () => {
    expect(aws.data.aws_iam_policy_document.caller_networks.count).toBe(
      '${(length(var.allowed_caller_ip_ranges) >= 1) ? 1 : 0}',
    );
    expect(statements(aws, 'caller_networks')).toEqual({
      OnlyFromCallerNetworks: {
        sid: 'OnlyFromCallerNetworks',
        effect: 'Deny',
        actions: ['lambda:InvokeFunctionUrl'],
        resources: ['${aws_lambda_function.function.arn}'],
        condition: [
          { test: 'NotIpAddress', variable: 'aws:SourceIp', values: '${var.allowed_caller_ip_ranges}' },
        ],
      },
    });
    expect(aws.data.aws_iam_policy_document.caller_access.source_policy_documents).toBe(
      '${data.aws_iam_policy_document.caller_networks[*].json}',
    );
    expect(aws.variable.allowed_caller_ip_ranges.validation[0].condition).toContain('can(cidrhost(c, 0))');
  });

  it('caps the Lambda with reserved_concurrency (-1: none) and passes the controls to the proxy', () => {
    const fn = aws.resource.aws_lambda_function.function;
    expect(fn.reserved_concurrent_executions).toBe('${var.reserved_concurrency}');
    expect(aws.variable.reserved_concurrency.default).toBe(-1);
    expect(fn.environment.variables).toMatchObject({
      ALLOWED_CALLER_IP_RANGES: '${join(",", var.allowed_caller_ip_ranges)}',
      AUDIT_LOG: '${var.audit_log ? "on" : "off"}',
    });
  });

  it('shows the audit trail on the dashboard with a Logs Insights query of the function log group', () => {
    const widgets: Tf[] = JSON.parse(aws.resource.aws_cloudwatch_dashboard.dashboard.dashboard_body).widgets;
    const audit = widgets.find((w) => w.type === 'log');
    expect(audit?.properties.query).toBe(
      `SOURCE '/aws/lambda/\${local.name}' | filter message = "${AUDIT_MESSAGE}" | stats count(*) as requests, sum(bytes) as bytes_sent by caller, clientAddress, endpoint, status | sort requests desc | limit 100`,
    );
    expect(aws.resource.aws_cloudwatch_log_group.logs.name).toBe('/aws/lambda/${local.name}');
  });
});

describe('GCP: residency, customer keys, labels, caps, callers, audit', () => {
  it('replicates the secrets automatically, or in secret_replica_locations, each replica with its region key', () => {
    const replication = gcp.resource.google_secret_manager_secret.secret_refresh_token.replication;
    expect(Object.keys(replication)).toEqual(['dynamic']);
    const d = replication.dynamic;
    expect(d.auto.for_each).toBe('${length(var.secret_replica_locations) == 0 ? [1] : []}');
    expect(d.auto.content.dynamic.customer_managed_encryption.for_each).toBe(
      '${compact([lookup(var.kms_key_names, "global", "")])}',
    );
    expect(d.user_managed.for_each).toBe('${length(var.secret_replica_locations) == 0 ? [] : [1]}');
    expect(d.user_managed.content.dynamic.replicas.for_each).toBe('${var.secret_replica_locations}');
    expect(d.user_managed.content.dynamic.replicas.content.dynamic.customer_managed_encryption.for_each).toBe(
      '${compact([lookup(var.kms_key_names, replicas.value, "")])}',
    );
  });

  it("names the blocks and arguments exactly as the pinned google provider's bindings do", () => {
    // The bindings turn every argument of the schema into its Terraform name; the dynamic blocks
    // bypass them, so their shape is compared with what the bindings produce.
    const typed = secretManagerSecretReplicationToTerraform({
      auto: { customerManagedEncryption: { kmsKeyName: 'k' } },
      userManaged: { replicas: [{ location: 'l', customerManagedEncryption: { kmsKeyName: 'k' } }] },
    });
    const replication = gcp.resource.google_secret_manager_secret.secret_salt.replication;
    expect(shape(replication)).toEqual(shape(typed));
    const bucket = gcp.resource.google_storage_bucket.source;
    expect(shape({ dynamic: bucket.dynamic })).toEqual(
      shape({ encryption: storageBucketEncryptionToTerraform({ defaultKmsKeyName: 'k' }) }),
    );
  });

  it('encrypts the function, its build images and its sources with the region key, and lets the agents use the keys', () => {
    const r = gcp.resource;
    expect(gcp.locals.region_key).toBe('${lookup(var.kms_key_names, var.gcp_region, null)}');
    expect(r.google_cloudfunctions2_function.function.kms_key_name).toBe('${local.region_key}');
    expect(r.google_artifact_registry_repository.build_repository.kms_key_name).toBe('${local.region_key}');
    expect(r.google_storage_bucket.source.dynamic.encryption.for_each).toBe(
      '${compact([lookup(var.kms_key_names, var.gcp_region, "")])}',
    );
    expect(r.google_kms_crypto_key_iam_member.key_users).toMatchObject({
      for_each: '${local.kms_grants}',
      crypto_key_id: '${each.value.key}',
      member: '${each.value.member}',
      role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
    });
    for (const agent of [
      'gcp-sa-secretmanager',
      'gcf-admin-robot',
      'gcp-sa-artifactregistry',
      'serverless-robot-prod',
      'gs-project-accounts',
    ])
      expect(gcp.locals.kms_grants, agent).toContain(agent);
    for (const dependent of [
      r.google_secret_manager_secret.secret_salt,
      r.google_storage_bucket.source,
      r.google_artifact_registry_repository.build_repository,
    ])
      expect(dependent.depends_on).toContain('google_kms_crypto_key_iam_member.key_users');
    expect(gcp.data.google_project.project.count).toBe('${(length(var.kms_key_names) >= 1) ? 1 : 0}');
  });

  it("merges the operator's labels under app and environment, caps instances, and passes the caller controls", () => {
    expect(gcp.provider.google[0].default_labels).toBe(
      '${merge(var.labels, {"app" = "jira-token-proxy", "environment" = var.environment})}',
    );
    const service = gcp.resource.google_cloudfunctions2_function.function.service_config;
    expect(service.max_instance_count).toBe('${var.max_instances}');
    expect(gcp.variable.max_instances.default).toBe(20);
    expect(service.environment_variables).toMatchObject({
      ALLOWED_CALLER_IP_RANGES: '${join(",", var.allowed_caller_ip_ranges)}',
      AUDIT_LOG: '${var.audit_log ? "on" : "off"}',
    });
  });

  it('shows the audit trail on the dashboard as a logs panel', () => {
    const tiles: Tf[] = JSON.parse(gcp.resource.google_monitoring_dashboard.dashboard.dashboard_json)
      .mosaicLayout.tiles;
    expect(tiles.at(-1)?.widget.logsPanel).toEqual({
      filter: `resource.type="cloud_run_revision" AND resource.labels.service_name="\${local.name}" AND jsonPayload.message="${AUDIT_MESSAGE}"`,
      resourceNames: ['projects/${var.gcp_project}'],
    });
  });
});

describe('both stacks and the proxy agree', () => {
  it('set the environment variables the proxy reads, in the syntax it accepts', () => {
    const config = loadConfig({ ALLOWED_CALLER_IP_RANGES: '203.0.113.0/24,2001:db8::/32', AUDIT_LOG: 'off' });
    expect(config.allowedCallerIpRanges).toEqual(['203.0.113.0/24', '2001:db8::/32']);
    expect(config.auditLog).toBe(false);
    for (const tf of [aws, gcp]) {
      expect(tf.variable.allowed_caller_ip_ranges.default).toEqual([]);
      expect(tf.variable.audit_log.default).toBe(true);
    }
  });
});
