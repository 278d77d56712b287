import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Fn, TerraformLocal, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { ALL_SECRETS, METRICS } from './common';
import { GcpAlerts } from './gcp/alerts';
import { Apis } from './gcp/apis';
import { GcpCustomerKeys } from './gcp/cmek';
import type { GcpContext } from './gcp/context';
import { GcpDashboard } from './gcp/dashboard';
import { GcpFunction } from './gcp/function';
import { GcpRefreshSchedule } from './gcp/schedule';
import { GcpSecrets } from './gcp/secrets';
import { gcpVariables } from './gcp/variables';
import { ProxyStack } from './stack';

/** hashicorp/google versions this stack is written for (write-only `secret_data_wo`). */
export const GOOGLE_PROVIDER_RANGE = '>= 6.50.0, < 8.0.0';

/** Lines as one HCL string literal: quotes and newlines escaped, interpolations kept. */
const hcl = (lines: string[]) => `"${lines.join('\n').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;

/** Addresses of the log-based metrics before they were built from the metric list. */
const MOVED_METRICS = {
  metric_refresh_failures: METRICS.refreshFailure,
  metric_days_left: METRICS.daysLeft,
  metric_refreshes: METRICS.refresh,
};

/**
 * The GCP deployment: a 2nd-gen Cloud Function built by its own service account, Secret Manager
 * secrets with per-secret IAM, a Cloud Scheduler refresh with OIDC, log-based metrics, alert
 * policies and a dashboard, every resource after the APIs it needs. Each part is in infra/gcp/.
 */
export class GcpProxyStack extends ProxyStack {
  constructor(scope: Construct, id = 'gcp') {
    super(scope, id, { google: GOOGLE_PROVIDER_RANGE });
    const v = gcpVariables(this);
    const provider = new GoogleProvider(this, 'google', {
      project: v.project.stringValue,
      region: v.region.stringValue,
    });
    // The operator's labels, and ours (validated not to collide: infra/gcp/enterprise-variables.ts).
    // An override: the binding would read a whole-map token as one label.
    provider.addOverride(
      'default_labels',
      Fn.merge([v.labels.value, { app: 'jira-token-proxy', environment: v.environment.stringValue }]),
    );
    const apis = new Apis(this, 'apis', v).all;
    const ctx: GcpContext = {
      v,
      name: new TerraformLocal(this, 'name', `jira-token-proxy-${v.environment.stringValue}`).asString,
      apis,
      keys: new GcpCustomerKeys(this, 'customer_keys', v, apis),
    };

    const account = new ServiceAccount(this, 'function_sa', {
      accountId: `jtp-${v.environment.stringValue}-fn`,
      displayName: 'jira-token-proxy function',
      dependsOn: ctx.apis,
    });
    const secrets = new GcpSecrets(this, 'secrets', ctx, `serviceAccount:${account.email}`);
    const fn = new GcpFunction(this, 'proxy', ctx, account, secrets.all);
    const schedule = new GcpRefreshSchedule(this, 'schedule', ctx, fn.fn);
    const alerts = new GcpAlerts(this, 'alerting', ctx, schedule.jobName);
    const dashboard = new GcpDashboard(this, 'dashboards', ctx, alerts.metricType, ctx.apis);
    this.addOverride(
      'moved',
      Object.entries(MOVED_METRICS).map(([from, metric]) => ({
        from: `google_logging_metric.${from}`,
        to: `google_logging_metric.metric_${metric}`,
      })),
    );

    const url = fn.fn.url;
    new TerraformOutput(this, 'proxy_url', { value: url, description: 'The proxy base URL.' });
    new TerraformOutput(this, 'function_service_account', { value: account.email });
    new TerraformOutput(this, 'dashboard_url', {
      value: dashboard.url,
      description: 'The Cloud Monitoring dashboard.',
    });
    new TerraformOutput(this, 'secret_names', {
      value: ALL_SECRETS.map((s) => `${v.secretPrefix.stringValue}${s}`),
    });
    // test-calls impersonates an invoker service account; a user: or group: member cannot be
    // impersonated, so without a serviceAccount: member the operator's own ID token calls /_health.
    new TerraformLocal(
      this,
      'test_calls_account',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform expression.
      '${try([for m in var.invoker_members : trimprefix(m, "serviceAccount:") if startswith(m, "serviceAccount:")][0], "")}',
    );
    // One Terraform conditional, written out: its strings hold shell quotes that must be escaped,
    // and references inside an expression are written as interpolations by hand.
    const urlRef = `\${${fn.fn.terraformResourceType}.${fn.fn.friendlyUniqueId}.url}`;
    const testCalls = new TerraformLocal(
      this,
      'test_calls_step',
      `\${local.test_calls_account == "" ? ${hcl([
        '# 2. Health, with your own ID token (invoker_members names no serviceAccount: for test-calls to impersonate; you need roles/run.invoker):',
        `curl -H "Authorization: Bearer $(gcloud auth print-identity-token)" ${urlRef}/_health`,
      ])} : ${hcl([
        '# 2. Health and example calls, with an ID token of an invoker service account (you need roles/iam.serviceAccountTokenCreator on it):',
        `npx jira-token-proxy test-calls --url ${urlRef} --impersonate \${local.test_calls_account}`,
      ])}}`,
    ).asString;
    new TerraformOutput(this, 'test_commands', {
      description: 'Seed the token family, then call the deployed proxy (from the repository root).',
      value: [
        '# 1. Seed the token family (the annual consent; asks for the Atlassian app client id and secret):',
        `SECRET_STORE=gcp-secret-manager SECRET_PREFIX=${v.secretPrefix.stringValue} GCP_PROJECT=${v.project.stringValue} JIRA_CLOUD_ID=${v.jiraCloudId.stringValue} npx jira-token-proxy bootstrap --redirect-uri http://localhost:8080/callback`,
        testCalls,
        '# 3. A scheduled refresh, now:',
        `gcloud scheduler jobs run ${schedule.jobName} --location ${v.region.stringValue} --project ${v.project.stringValue}`,
        '',
      ].join('\n'),
    });
  }
}
