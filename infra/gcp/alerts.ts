import { LoggingMetric } from '@cdktf/provider-google/lib/logging-metric';
import {
  MonitoringAlertPolicy,
  type MonitoringAlertPolicyConditions,
} from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { Fn, Op, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { MetricName } from '../../src/metric-names';
import {
  DAYS_LEFT_ALARM,
  FUNCTION_ERRORS_METRIC,
  METRIC_DIMENSION,
  METRICS,
  REQUEST_ERRORS_METRIC,
  REQUEST_LOG,
  splat,
} from '../common';
import type { GcpContext } from './context';

/** Metrics whose log lines carry a measured value (the rest count lines). */
const MEASURED: MetricName[] = [METRICS.daysLeft, METRICS.lockWaitMs, METRICS.quotaLimitedMinutes];
/** Cloud Monitoring waits at most 23.5 h for a missing series; 23 h covers a 12-hourly schedule twice. */
const DAYS_LEFT_ABSENT = '82800s';

/**
 * The proxy's metric log lines as log-based metrics, and alert policies on them, on the
 * function's errors and on failed scheduler runs, notifying the operator's channels and an
 * e-mail channel when `alarm_email` is set.
 */
export class GcpAlerts extends Construct {
  /** `logging.googleapis.com/user/<name>/<metric>` for every log-based metric. */
  readonly metricType: (metric: string) => string;

  constructor(scope: Construct, id: string, ctx: GcpContext, schedulerJob: string) {
    super(scope, id);
    const { v, name, apis } = ctx;
    const service = `resource.type="cloud_run_revision" AND resource.labels.service_name="${name}"`;
    this.metricType = (metric) => `logging.googleapis.com/user/${name}/${metric}`;
    const metrics = Object.values(METRICS).map((metric) => {
      // The field the metric's lines carry (the 429s' reason) as a label: a chart splits by it.
      const field = METRIC_DIMENSION[metric];
      const labels = field ? [{ key: field, valueType: 'STRING' }] : undefined;
      return new LoggingMetric(this, `metric_${metric}`, {
        name: `${name}/${metric}`,
        description: `jira-token-proxy ${metric} (src/metric-names.ts)`,
        filter: `${service} AND jsonPayload.metric="${metric}"`,
        ...(field ? { labelExtractors: { [field]: `EXTRACT(jsonPayload.${field})` } } : {}),
        ...(MEASURED.includes(metric)
          ? {
              valueExtractor: 'EXTRACT(jsonPayload.value)',
              metricDescriptor: { metricKind: 'DELTA', valueType: 'DISTRIBUTION', unit: '1' },
              bucketOptions: { exponentialBuckets: { numFiniteBuckets: 40, growthFactor: 1.4, scale: 1 } },
            }
          : { metricDescriptor: { metricKind: 'DELTA', valueType: 'INT64', unit: '1', labels } }),
        dependsOn: apis,
      });
    });
    metrics.push(
      new LoggingMetric(this, `metric_${REQUEST_ERRORS_METRIC}`, {
        name: `${name}/${REQUEST_ERRORS_METRIC}`,
        description: 'Requests of jira-token-proxy that ended in an error, by X-Psoxy-Error value',
        filter: `${service} AND jsonPayload.message="${REQUEST_LOG.message}" AND jsonPayload.${REQUEST_LOG.errorField}:*`,
        labelExtractors: { [REQUEST_LOG.errorField]: `EXTRACT(jsonPayload.${REQUEST_LOG.errorField})` },
        metricDescriptor: {
          metricKind: 'DELTA',
          valueType: 'INT64',
          unit: '1',
          labels: [{ key: REQUEST_LOG.errorField, valueType: 'STRING' }],
        },
        dependsOn: apis,
      }),
      new LoggingMetric(this, `metric_${FUNCTION_ERRORS_METRIC}`, {
        name: `${name}/${FUNCTION_ERRORS_METRIC}`,
        description: 'Log lines of jira-token-proxy at ERROR or worse (crashes, internal errors)',
        // Cloud Logging reads `severity`, the proxy's logger writes `level`: a crash has the one,
        // an error the proxy logs has the other.
        filter: `${service} AND (severity>=ERROR OR jsonPayload.level="ERROR")`,
        metricDescriptor: { metricKind: 'DELTA', valueType: 'INT64', unit: '1' },
        dependsOn: apis,
      }),
    );

    const email = new MonitoringNotificationChannel(this, 'alarm_email_channel', {
      count: Token.asNumber(Fn.conditional(Op.eq(v.alarmEmail.stringValue, Fn.rawString('')), 0, 1)),
      displayName: `${name} alarms`,
      type: 'email',
      labels: { email_address: v.alarmEmail.stringValue },
      dependsOn: apis,
    });
    const channels = Token.asList(Fn.concat([v.notificationChannels.listValue, splat(email, 'id')]));

    const sumAbove = (metric: string, period: number): MonitoringAlertPolicyConditions => ({
      displayName: `${metric} > 0`,
      conditionThreshold: {
        filter: `metric.type="${this.metricType(metric)}" AND resource.type="cloud_run_revision"`,
        comparison: 'COMPARISON_GT',
        thresholdValue: 0,
        duration: '0s',
        aggregations: [
          { alignmentPeriod: `${period}s`, perSeriesAligner: 'ALIGN_SUM', crossSeriesReducer: 'REDUCE_SUM' },
        ],
      },
    });
    const daysLeft = `metric.type="${this.metricType(METRICS.daysLeft)}" AND resource.type="cloud_run_revision"`;
    const policies: { id: string; text: string; conditions: MonitoringAlertPolicyConditions[] }[] = [
      {
        id: 'refresh_failures',
        text: 'A token refresh failed after its retries. The log line has the cause; see docs/runbook-bootstrap.md#alarms.',
        conditions: [sumAbove(METRICS.refreshFailure, 3600)],
      },
      {
        id: 'refresh_rejected',
        text: 'Atlassian rejected the refresh token; the token family is dead and callers get 503 token_family_expired. Run the bootstrap now.',
        conditions: [sumAbove(METRICS.refreshRejected, 300)],
      },
      {
        id: 'write_back_failures',
        text: 'A rotated refresh token could not be saved (Secret Manager or IAM error). It is held in memory only: fix the store access before the instance ends, or the family is lost.',
        conditions: [sumAbove(METRICS.writeBackFailure, 300)],
      },
      {
        id: 'function_errors',
        text: 'The function logged an error (crash, internal error, failed start). See the function logs.',
        conditions: [sumAbove(FUNCTION_ERRORS_METRIC, 300)],
      },
      {
        id: 'quota_near_limit',
        text: 'Atlassian says less than 20% of a rate-limit budget is left (X-RateLimit-NearLimit or X-Beta-RateLimit-NearLimit). The quota may run out before the hour turns: docs/OPERATORS.md#quota-alarms.',
        conditions: [sumAbove(METRICS.nearLimit, 3600)],
      },
      {
        id: 'family_days_left',
        text: `The token family expires in under ${DAYS_LEFT_ALARM} days, or the scheduled refresh has not reported for 23 hours. Run the annual bootstrap, or check the schedule.`,
        conditions: [
          {
            displayName: `token family days left < ${DAYS_LEFT_ALARM}`,
            conditionThreshold: {
              filter: daysLeft,
              comparison: 'COMPARISON_LT',
              thresholdValue: DAYS_LEFT_ALARM,
              duration: '0s',
              aggregations: [{ alignmentPeriod: '3600s', perSeriesAligner: 'ALIGN_PERCENTILE_05' }],
            },
          },
          {
            displayName: 'no days-left report (schedule stopped?)',
            conditionAbsent: {
              filter: daysLeft,
              duration: DAYS_LEFT_ABSENT,
              aggregations: [{ alignmentPeriod: '3600s', perSeriesAligner: 'ALIGN_PERCENTILE_05' }],
            },
          },
        ],
      },
    ];
    const documentation = (text: string) => ({
      content: `jira-token-proxy: ${text}`,
      mimeType: 'text/markdown',
    });
    for (const p of policies) {
      new MonitoringAlertPolicy(this, p.id, {
        displayName: `${name}: ${p.id.replaceAll('_', ' ')}`,
        combiner: 'OR',
        notificationChannels: channels,
        documentation: documentation(p.text),
        conditions: p.conditions,
        dependsOn: [...apis, ...metrics],
      });
    }
    // A log-match policy: the minutes are compared exactly (a distribution's percentile is not).
    new MonitoringAlertPolicy(this, 'quota_limited', {
      displayName: `${name}: quota limited`,
      combiner: 'OR',
      notificationChannels: channels,
      documentation: documentation(
        "Atlassian's hourly points quota has held the pipeline for longer than quota_limited_alarm_minutes in a row; callers get 429 quota_exhausted until the reset. Cut the calls (bulk endpoints) or ask Atlassian for a quota review: docs/OPERATORS.md#quota-alarms.",
      ),
      conditions: [
        {
          displayName: `${METRICS.quotaLimitedMinutes} > quota_limited_alarm_minutes`,
          conditionMatchedLog: {
            filter: `${service} AND jsonPayload.metric="${METRICS.quotaLimitedMinutes}" AND jsonPayload.value > ${v.quotaAlarmMinutes.numberValue}`,
          },
        },
      ],
      alertStrategy: { notificationRateLimit: { period: '3600s' } },
      dependsOn: apis,
    });
    // A log-match policy, so a failed run alerts without a metric in between.
    new MonitoringAlertPolicy(this, 'scheduler_failures', {
      displayName: `${name}: scheduler failures`,
      combiner: 'OR',
      notificationChannels: channels,
      documentation: documentation(
        'A scheduled refresh run failed (Cloud Scheduler could not call /_refresh, or it answered an error). Check the function and the scheduler account.',
      ),
      conditions: [
        {
          displayName: 'scheduled refresh failed',
          conditionMatchedLog: {
            filter: `resource.type="cloud_scheduler_job" AND resource.labels.job_id="${schedulerJob}" AND severity>=ERROR`,
          },
        },
      ],
      alertStrategy: { notificationRateLimit: { period: '3600s' } },
      dependsOn: apis,
    });
  }
}
