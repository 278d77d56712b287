import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function';
import { LoggingMetric } from '@cdktf/provider-google/lib/logging-metric';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object';
import {
  Fn,
  LocalBackend,
  Op,
  TerraformIterator,
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
  READ_ONLY,
  RETAINED,
  ROTATING,
  randomSalt,
  repoPath,
  splat,
} from './common';

const APIS = [
  'cloudbuild.googleapis.com',
  'cloudfunctions.googleapis.com',
  'cloudscheduler.googleapis.com',
  'artifactregistry.googleapis.com',
  'logging.googleapis.com',
  'monitoring.googleapis.com',
  'run.googleapis.com',
  'secretmanager.googleapis.com',
  'storage.googleapis.com',
];
const INGRESS = ['ALLOW_ALL', 'ALLOW_INTERNAL_ONLY', 'ALLOW_INTERNAL_AND_GCLB'];

/**
 * The GCP deployment: a 2nd-gen Cloud Function from the uploaded zip, its own service account,
 * Secret Manager secrets with per-secret IAM, Cloud Scheduler refresh with OIDC, log-based
 * metrics and alert policies.
 */
export class GcpProxyStack extends TerraformStack {
  constructor(scope: Construct, id = 'gcp') {
    super(scope, id);
    new LocalBackend(this, { path: '../../../terraform-state/gcp.tfstate' });

    const v = commonVariables(this, { schedule: '17 3 * * *', prefixPattern: '^[A-Za-z0-9_-]{1,200}$' });
    const project = new TerraformVariable(this, 'gcp_project', {
      type: 'string',
      description: 'GCP project id that holds everything (the function, its secrets, the scheduler).',
      nullable: false,
    });
    project.addValidation({
      condition: Fn.can(Fn.regex('^[a-z][a-z0-9-]{4,28}[a-z0-9]$', project.stringValue)),
      errorMessage: 'gcp_project must be a project id (6-30 lower-case letters, digits or -).',
    });
    const region = new TerraformVariable(this, 'gcp_region', {
      type: 'string',
      default: 'us-central1',
      description: 'Region of the function, its source bucket and the scheduler job.',
      nullable: false,
    });
    const invokers = new TerraformVariable(this, 'invoker_service_accounts', {
      type: 'list(string)',
      description: 'E-mails of the service accounts allowed to call the proxy (roles/run.invoker).',
      nullable: false,
    });
    invokers.addValidation({
      condition: `\${length(var.invoker_service_accounts) > 0 && alltrue([for e in var.invoker_service_accounts : can(regex("^[a-z0-9-]+@[a-z0-9.-]+\\\\.gserviceaccount\\\\.com$", e))])}`,
      errorMessage:
        'invoker_service_accounts must list at least one service account e-mail (NAME@PROJECT.iam.gserviceaccount.com).',
    });
    const ingress = new TerraformVariable(this, 'ingress', {
      type: 'string',
      default: 'ALLOW_ALL',
      description: `Network ingress of the function: ${INGRESS.join(', ')} (IAM applies in every case).`,
      nullable: false,
    });
    ingress.addValidation({
      condition: Fn.contains(INGRESS, ingress.stringValue),
      errorMessage: `ingress must be one of ${INGRESS.join(', ')}.`,
    });
    const zip = new TerraformVariable(this, 'function_zip', {
      type: 'string',
      default: '',
      description: 'Path of the built function zip; empty for dist/gcp-function.zip of this repository.',
      nullable: false,
    });

    new GoogleProvider(this, 'google', {
      project: project.stringValue,
      region: region.stringValue,
      defaultLabels: { app: 'jira-token-proxy', environment: v.environment.stringValue },
    });
    const name = new TerraformLocal(this, 'name', `jira-token-proxy-${v.environment.stringValue}`).asString;
    const zipPath = new TerraformLocal(
      this,
      'function_zip_path',
      Fn.conditional(
        Op.eq(zip.stringValue, Fn.rawString('')),
        repoPath('dist/gcp-function.zip'),
        zip.stringValue,
      ),
    ).asString;

    const apis = APIS.map(
      (api) =>
        new ProjectService(this, `api_${api.split('.')[0]}`, {
          service: api,
          // Other workloads of the project may use them: tearing this down leaves them on.
          disableOnDestroy: false,
        }),
    );

    // --- Identities.
    const fnAccount = new ServiceAccount(this, 'function_sa', {
      accountId: `jtp-${v.environment.stringValue}-fn`,
      displayName: 'jira-token-proxy function',
    });
    const schedulerAccount = new ServiceAccount(this, 'scheduler_sa', {
      accountId: `jtp-${v.environment.stringValue}-sched`,
      displayName: 'jira-token-proxy scheduled refresh',
    });
    const member = `serviceAccount:${fnAccount.email}`;

    // --- Secrets. Terraform adds no placeholder version to the secrets the proxy or bootstrap
    // write: the proxy destroys old versions, and the provider then drops a destroyed version
    // from its state and would add the placeholder back as the newest version, shadowing the
    // live token. Only the salt, which nothing rewrites, gets a version from Terraform.
    const secrets = new Map<SecretSuffix, SecretManagerSecret>();
    for (const s of ALL_SECRETS) {
      secrets.set(
        s,
        new SecretManagerSecret(this, `secret_${s.toLowerCase()}`, {
          secretId: `${v.secretPrefix.stringValue}${s}`,
          replication: { auto: {} },
          labels: { app: 'jira-token-proxy' },
          // The lock lives in the LOCK secret's annotations, and CAS markers in the rotating ones'.
          lifecycle: { ignoreChanges: ['annotations'], preventDestroy: RETAINED.includes(s) },
          dependsOn: apis,
        }),
      );
    }
    const secret = (s: SecretSuffix) => secrets.get(s) as SecretManagerSecret;
    new SecretManagerSecretVersion(this, 'salt_initial', {
      secret: secret('SALT').id,
      secretData: randomSalt(),
      // Leave the version alone if the stack is ever destroyed; the secret decides its fate.
      deletionPolicy: 'ABANDON',
      lifecycle: { ignoreChanges: ['secret_data', 'enabled'] },
    });

    // Annotation updates (the lock and the write compare-and-swap) need secrets.update, which no
    // predefined role grants without also granting delete or IAM changes.
    const annotator = new ProjectIamCustomRole(this, 'secret_annotator', {
      roleId: `jiraTokenProxyAnnotator_${Fn.replace(v.environment.stringValue, '-', '_')}`,
      title: `jira-token-proxy ${v.environment.stringValue}: secret annotations`,
      description: 'Read and update a secret (its annotations); no access to its versions.',
      permissions: ['secretmanager.secrets.get', 'secretmanager.secrets.update'],
    });
    const grant = (s: SecretSuffix, role: string, id: string) =>
      new SecretManagerSecretIamMember(this, `${id}_${s.toLowerCase()}`, {
        secretId: secret(s).id,
        role,
        member,
      });
    for (const s of [...READ_ONLY, ...ROTATING]) grant(s, 'roles/secretmanager.secretAccessor', 'accessor');
    // The proxy reads the newest enabled version by number (the `latest` alias is not strongly
    // consistent): versions.list, which secretAccessor lacks and viewer carries (metadata only).
    for (const s of READ_ONLY) grant(s, 'roles/secretmanager.viewer', 'viewer');
    for (const s of ROTATING) grant(s, 'roles/secretmanager.secretVersionManager', 'version_manager');
    for (const s of [...ROTATING, LOCK]) grant(s, annotator.name, 'annotator');

    // --- The function.
    const bucket = new StorageBucket(this, 'source', {
      name: `${project.stringValue}-jtp-${v.environment.stringValue}-source`,
      location: Fn.upper(region.stringValue),
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      // Holds only build sources, re-uploaded by every apply.
      forceDestroy: true,
      dependsOn: apis,
    });
    const source = new StorageBucketObject(this, 'source_zip', {
      bucket: bucket.name,
      // A new object name per build makes the function redeploy when the code changes.
      name: `gcp-function-${Fn.filemd5(zipPath)}.zip`,
      source: zipPath,
    });
    const fn = new Cloudfunctions2Function(this, 'function', {
      name,
      location: region.stringValue,
      description: 'jira-token-proxy: Jira Cloud OAuth token-refresh proxy',
      buildConfig: {
        runtime: 'nodejs22',
        entryPoint: 'jiraTokenProxy',
        source: { storageSource: { bucket: bucket.name, object: source.name } },
      },
      serviceConfig: {
        serviceAccountEmail: fnAccount.email,
        availableMemory: `${v.memoryMb.numberValue}Mi`,
        timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
        minInstanceCount: 0,
        maxInstanceCount: 20,
        ingressSettings: ingress.stringValue,
        allTrafficOnLatestRevision: true,
        environmentVariables: functionEnvironment(v, {
          SECRET_STORE: 'gcp-secret-manager',
          GCP_PROJECT: project.stringValue,
        }),
      },
      dependsOn: [...apis, ...secrets.values()],
    });

    // --- Who may call it: the invokers, and the scheduler's own account.
    const invokerList = TerraformIterator.fromList(invokers.listValue);
    new CloudRunV2ServiceIamMember(this, 'invokers', {
      forEach: invokerList,
      location: fn.location,
      name: fn.name,
      role: 'roles/run.invoker',
      member: `serviceAccount:${invokerList.value}`,
    });
    new CloudRunV2ServiceIamMember(this, 'scheduler_invoker', {
      location: fn.location,
      name: fn.name,
      role: 'roles/run.invoker',
      member: `serviceAccount:${schedulerAccount.email}`,
    });
    new CloudSchedulerJob(this, 'refresh', {
      name: `${name}-refresh`,
      region: region.stringValue,
      description: 'Scheduled token refresh of jira-token-proxy',
      schedule: v.refreshSchedule.stringValue,
      timeZone: 'Etc/UTC',
      attemptDeadline: '60s',
      retryConfig: { retryCount: 3, minBackoffDuration: '60s' },
      httpTarget: {
        httpMethod: 'POST',
        uri: `${fn.url}/_refresh`,
        oidcToken: { serviceAccountEmail: schedulerAccount.email, audience: fn.url },
      },
      dependsOn: apis,
    });

    // --- Alerts from the proxy's metric log lines.
    const logFilter = (metric: string) =>
      `resource.type="cloud_run_revision" AND resource.labels.service_name="${name}" AND jsonPayload.metric="${metric}"`;
    const failures = new LoggingMetric(this, 'metric_refresh_failures', {
      name: `${name}/${METRICS.refreshFailure}`,
      description: 'Failed token refreshes of jira-token-proxy',
      filter: logFilter(METRICS.refreshFailure),
      metricDescriptor: { metricKind: 'DELTA', valueType: 'INT64', unit: '1' },
      dependsOn: apis,
    });
    const daysLeft = new LoggingMetric(this, 'metric_days_left', {
      name: `${name}/${METRICS.daysLeft}`,
      description: 'Days left of the token family (365 from the bootstrap)',
      filter: logFilter(METRICS.daysLeft),
      valueExtractor: 'EXTRACT(jsonPayload.value)',
      metricDescriptor: { metricKind: 'DELTA', valueType: 'DISTRIBUTION', unit: 'd' },
      bucketOptions: { linearBuckets: { numFiniteBuckets: 400, width: 1, offset: 0 } },
      dependsOn: apis,
    });
    new LoggingMetric(this, 'metric_refreshes', {
      name: `${name}/${METRICS.refresh}`,
      description: 'Successful token refreshes of jira-token-proxy',
      filter: logFilter(METRICS.refresh),
      metricDescriptor: { metricKind: 'DELTA', valueType: 'INT64', unit: '1' },
      dependsOn: apis,
    });
    const email = new MonitoringNotificationChannel(this, 'alarm_email_channel', {
      count: Token.asNumber(Fn.conditional(Op.eq(v.alarmEmail.stringValue, Fn.rawString('')), 0, 1)),
      displayName: `${name} alarms`,
      type: 'email',
      labels: { email_address: v.alarmEmail.stringValue },
      dependsOn: apis,
    });
    const metricType = (m: LoggingMetric) => `metric.type="logging.googleapis.com/user/${m.name}"`;
    new MonitoringAlertPolicy(this, 'refresh_failures', {
      displayName: `${name}: refresh failures`,
      combiner: 'OR',
      notificationChannels: splat(email, 'id'),
      documentation: {
        content: 'jira-token-proxy could not refresh the Jira token: see the function logs (cause field).',
        mimeType: 'text/markdown',
      },
      conditions: [
        {
          displayName: 'token refresh failed',
          conditionThreshold: {
            filter: `${metricType(failures)} AND resource.type="cloud_run_revision"`,
            comparison: 'COMPARISON_GT',
            thresholdValue: 0,
            duration: '0s',
            aggregations: [
              { alignmentPeriod: '3600s', perSeriesAligner: 'ALIGN_SUM', crossSeriesReducer: 'REDUCE_SUM' },
            ],
          },
        },
      ],
    });
    new MonitoringAlertPolicy(this, 'family_days_left', {
      displayName: `${name}: token family days left`,
      combiner: 'OR',
      notificationChannels: splat(email, 'id'),
      documentation: {
        content: `The Jira token family expires in under ${DAYS_LEFT_ALARM} days: run the annual bootstrap.`,
        mimeType: 'text/markdown',
      },
      conditions: [
        {
          displayName: `token family days left < ${DAYS_LEFT_ALARM}`,
          conditionThreshold: {
            filter: `${metricType(daysLeft)} AND resource.type="cloud_run_revision"`,
            comparison: 'COMPARISON_LT',
            thresholdValue: DAYS_LEFT_ALARM,
            duration: '0s',
            aggregations: [{ alignmentPeriod: '3600s', perSeriesAligner: 'ALIGN_PERCENTILE_05' }],
          },
        },
      ],
    });

    // --- Outputs.
    new TerraformOutput(this, 'proxy_url', { value: fn.url, description: 'The proxy base URL.' });
    new TerraformOutput(this, 'function_service_account', { value: fnAccount.email });
    new TerraformOutput(this, 'secret_names', {
      value: ALL_SECRETS.map((s) => `${v.secretPrefix.stringValue}${s}`),
    });
    new TerraformOutput(this, 'test_commands', {
      description: 'Seed the token family, then call the deployed proxy (from the repository root).',
      value: [
        '# 1. Seed the token family (the annual consent; asks for the Atlassian app client id and secret):',
        `SECRET_STORE=gcp-secret-manager SECRET_PREFIX=${v.secretPrefix.stringValue} GCP_PROJECT=${project.stringValue} JIRA_CLOUD_ID=${v.jiraCloudId.stringValue} npx jira-token-proxy bootstrap --redirect-uri http://localhost:8080/callback`,
        '# 2. Health and example calls, with an ID token of an invoker (you need roles/iam.serviceAccountTokenCreator on it):',
        `npx jira-token-proxy test-calls --url ${fn.url} --impersonate ${Fn.element(invokers.listValue, 0)}`,
        '# 3. A scheduled refresh, now:',
        `gcloud scheduler jobs run ${name}-refresh --location ${region.stringValue} --project ${project.stringValue}`,
        '',
      ].join('\n'),
    });
  }
}
