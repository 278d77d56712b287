import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import type { MetricName } from '../../src/metric-names';
import { cloudWatchAuditQuery } from '../audit-queries';
import {
  BLOCKED_ERROR,
  DAYS_LEFT_ALARM,
  METRIC_DIMENSION,
  METRICS,
  REQUEST_ERRORS_METRIC,
  REQUEST_LOG,
} from '../common';
import type { AwsContext } from './context';

type MetricLine = (string | Record<string, unknown>)[];

/**
 * One CloudWatch dashboard: requests by status and error code, blocked requests, latency
 * p50/p99, refreshes, lock waits, write-backs, days left, and Atlassian's rate limits (429s by
 * reason, held answers, minutes held, near-limit flags). Built from the same metric names
 * the proxy logs and the alarms watch.
 */
export class AwsDashboard extends Construct {
  readonly url: string;

  constructor(
    scope: Construct,
    id: string,
    ctx: AwsContext,
    watched: { namespace: string; functionName: string },
  ) {
    super(scope, id);
    const { v, name } = ctx;
    const region = v.region.stringValue;
    const ns = watched.namespace;
    const fn = ['FunctionName', watched.functionName];
    const own = (metric: string, opts: Record<string, unknown> = {}): MetricLine => [ns, metric, opts];
    // One series per value of the field the metric's lines carry (src/metric-names.ts).
    const bySearch = (metric: MetricName) =>
      `SEARCH('{${ns},${METRIC_DIMENSION[metric]}} MetricName="${metric}"', 'Sum', 300)`;
    let y = 0;
    const widget = (title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}) => {
      const w = {
        type: 'metric',
        x: (y % 2) * 12,
        y: Math.floor(y / 2) * 6,
        width: 12,
        height: 6,
        properties: { title, region, view: 'timeSeries', stat: 'Sum', period: 300, metrics, ...extra },
      };
      y += 1;
      return w;
    };
    const body = {
      widgets: [
        widget('Requests by status', [
          ['AWS/Lambda', 'UrlRequestCount', ...fn, { label: 'all' }],
          ['AWS/Lambda', 'Url4xxCount', ...fn, { label: '4xx' }],
          ['AWS/Lambda', 'Url5xxCount', ...fn, { label: '5xx' }],
        ]),
        widget('Errors by code (X-Psoxy-Error)', [
          [
            {
              expression: `SEARCH('{${ns},${REQUEST_LOG.errorField}} MetricName="${REQUEST_ERRORS_METRIC}"', 'Sum', 300)`,
              id: 'codes',
            },
          ],
        ]),
        widget('Blocked requests', [[ns, REQUEST_ERRORS_METRIC, REQUEST_LOG.errorField, BLOCKED_ERROR]]),
        widget('Latency (ms)', [
          ['AWS/Lambda', 'UrlRequestLatency', ...fn, { stat: 'p50', label: 'p50' }],
          ['AWS/Lambda', 'UrlRequestLatency', ...fn, { stat: 'p99', label: 'p99' }],
        ]),
        widget('Refreshes', [
          own(METRICS.refresh, { label: 'refreshed' }),
          own(METRICS.refreshFailure, { label: 'failed' }),
          own(METRICS.refreshRejected, { label: 'rejected by Atlassian' }),
          own(METRICS.upstreamRejected, { label: 'new token rejected by Jira' }),
        ]),
        widget('Lock waits (ms)', [
          own(METRICS.lockWaitMs, { stat: 'p50', label: 'p50' }),
          own(METRICS.lockWaitMs, { stat: 'Maximum', label: 'max' }),
        ]),
        widget('Write-backs and store', [
          own(METRICS.writeBackRetry, { label: 'write-back retries' }),
          own(METRICS.writeBackFailure, { label: 'write-back failures' }),
          own(METRICS.storeUnavailable, { label: 'store unavailable' }),
        ]),
        widget('Token family days left', [own(METRICS.daysLeft, { stat: 'Minimum' })], {
          period: 86400,
          annotations: { horizontal: [{ label: 'alarm', value: DAYS_LEFT_ALARM }] },
        }),
        widget("Atlassian's 429s by reason, and answers held", [
          own(METRICS.rateLimited, { label: '429s from Atlassian' }),
          [{ expression: bySearch(METRICS.rateLimited), id: 'limited' }],
          own(METRICS.quotaHeld, { label: 'answered by the quota hold' }),
          [{ expression: bySearch(METRICS.quotaHeld), id: 'held' }],
        ]),
        widget('Quota: minutes held in a row, near-limit flags', [
          own(METRICS.quotaLimitedMinutes, {
            stat: 'Maximum',
            period: 3600,
            label: 'minutes held in a row (max)',
          }),
          own(METRICS.nearLimit, { yAxis: 'right', label: 'near-limit flags' }),
        ]),
        widget('Invocations, errors, duration', [
          ['AWS/Lambda', 'Invocations', ...fn],
          ['AWS/Lambda', 'Errors', ...fn],
          ['AWS/Lambda', 'Duration', ...fn, { stat: 'p99', yAxis: 'right', label: 'duration p99 (ms)' }],
        ]),
        // The audit trail (src/audit.ts), full width below the metrics.
        {
          type: 'log',
          x: 0,
          y: Math.ceil(y / 2) * 6,
          width: 24,
          height: 8,
          properties: {
            title: 'Audit: requests by caller, endpoint and status',
            region,
            view: 'table',
            query: cloudWatchAuditQuery(`/aws/lambda/${name}`),
          },
        },
      ],
    };
    const dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: name,
      dashboardBody: JSON.stringify(body),
    });
    this.url = `https://console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${dashboard.dashboardName}`;
  }
}
