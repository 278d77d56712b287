import { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { MetricName } from '../../src/metric-names';
import { cloudLoggingAuditFilter } from '../audit-queries';
import {
  BLOCKED_ERROR,
  DAYS_LEFT_ALARM,
  METRIC_DIMENSION,
  METRICS,
  REQUEST_ERRORS_METRIC,
  REQUEST_LOG,
} from '../common';
import type { GcpContext } from './context';

interface Series {
  filter: string;
  aligner: string;
  reducer?: string;
  groupBy?: string[];
  legend?: string;
}

/**
 * One Cloud Monitoring dashboard: requests by status class and error code, blocked requests,
 * latency p50/p99 (Cloud Run's own metrics of the 2nd-gen function), refreshes, lock waits,
 * write-backs, days left and Atlassian's rate limits (the log-based metrics the alerts watch).
 */
export class GcpDashboard extends Construct {
  readonly url: string;

  constructor(
    scope: Construct,
    id: string,
    ctx: GcpContext,
    metricType: (metric: string) => string,
    dependsOn: GcpContext['apis'],
  ) {
    super(scope, id);
    const { v, name } = ctx;
    const run = `resource.type="cloud_run_revision" AND resource.labels.service_name="${name}"`;
    const own = (metric: string, legend: string, aligner = 'ALIGN_SUM'): Series => ({
      filter: `metric.type="${metricType(metric)}" AND resource.type="cloud_run_revision"`,
      aligner,
      reducer: aligner === 'ALIGN_SUM' ? 'REDUCE_SUM' : undefined,
      legend,
    });
    const percentile = (metric: string, p: 50 | 99, base = run): Series => ({
      filter: `metric.type="${metric}" AND ${base}`,
      aligner: 'ALIGN_DELTA',
      reducer: `REDUCE_PERCENTILE_${p}`,
      legend: `p${p}`,
    });
    const tiles: unknown[] = [];
    const tile = (title: string, series: Series[], extra: Record<string, unknown> = {}) => {
      const n = tiles.length;
      tiles.push({
        xPos: (n % 2) * 24,
        yPos: Math.floor(n / 2) * 16,
        width: 24,
        height: 16,
        widget: {
          title,
          xyChart: {
            dataSets: series.map((s) => ({
              plotType: 'LINE',
              ...(s.legend ? { legendTemplate: s.legend } : {}),
              timeSeriesQuery: {
                timeSeriesFilter: {
                  filter: s.filter,
                  aggregation: {
                    alignmentPeriod: '300s',
                    perSeriesAligner: s.aligner,
                    ...(s.reducer ? { crossSeriesReducer: s.reducer } : {}),
                    ...(s.groupBy ? { groupByFields: s.groupBy } : {}),
                  },
                },
              },
            })),
            ...extra,
          },
        },
      });
    };
    const errors = `metric.type="${metricType(REQUEST_ERRORS_METRIC)}" AND resource.type="cloud_run_revision"`;
    const errorLabel = `metric.label.${REQUEST_LOG.errorField}`;
    tile('Requests by status class', [
      {
        filter: `metric.type="run.googleapis.com/request_count" AND ${run}`,
        aligner: 'ALIGN_SUM',
        reducer: 'REDUCE_SUM',
        groupBy: ['metric.label.response_code_class'],
      },
    ]);
    tile('Errors by code (X-Psoxy-Error)', [
      { filter: errors, aligner: 'ALIGN_SUM', reducer: 'REDUCE_SUM', groupBy: [errorLabel] },
    ]);
    tile('Blocked requests', [
      {
        filter: `${errors} AND ${errorLabel}="${BLOCKED_ERROR}"`,
        aligner: 'ALIGN_SUM',
        reducer: 'REDUCE_SUM',
      },
    ]);
    tile('Latency (ms)', [
      percentile('run.googleapis.com/request_latencies', 50),
      percentile('run.googleapis.com/request_latencies', 99),
    ]);
    tile('Refreshes', [
      own(METRICS.refresh, 'refreshed'),
      own(METRICS.refreshFailure, 'failed'),
      own(METRICS.refreshRejected, 'rejected by Atlassian'),
      own(METRICS.upstreamRejected, 'new token rejected by Jira'),
    ]);
    tile('Lock waits (ms)', [
      { ...own(METRICS.lockWaitMs, 'p50', 'ALIGN_DELTA'), reducer: 'REDUCE_PERCENTILE_50' },
      { ...own(METRICS.lockWaitMs, 'p99', 'ALIGN_DELTA'), reducer: 'REDUCE_PERCENTILE_99' },
    ]);
    tile('Write-backs and store', [
      own(METRICS.writeBackRetry, 'write-back retries'),
      own(METRICS.writeBackFailure, 'write-back failures'),
      own(METRICS.storeUnavailable, 'store unavailable'),
    ]);
    tile(
      'Token family days left',
      [{ ...own(METRICS.daysLeft, 'days left', 'ALIGN_DELTA'), reducer: 'REDUCE_PERCENTILE_05' }],
      { thresholds: [{ value: DAYS_LEFT_ALARM, label: 'alert' }] },
    );
    const byField = (metric: MetricName): Series => ({
      filter: `metric.type="${metricType(metric)}" AND resource.type="cloud_run_revision"`,
      aligner: 'ALIGN_SUM',
      reducer: 'REDUCE_SUM',
      groupBy: [`metric.label.${METRIC_DIMENSION[metric]}`],
    });
    tile("Atlassian's 429s by reason, and answers held", [
      byField(METRICS.rateLimited),
      byField(METRICS.quotaHeld),
    ]);
    tile('Quota: minutes held in a row, near-limit flags', [
      {
        ...own(METRICS.quotaLimitedMinutes, 'minutes held in a row', 'ALIGN_DELTA'),
        reducer: 'REDUCE_PERCENTILE_99',
      },
      own(METRICS.nearLimit, 'near-limit flags'),
    ]);
    // The audit trail (src/audit.ts), full width below the charts.
    tiles.push({
      xPos: 0,
      yPos: Math.ceil(tiles.length / 2) * 16,
      width: 48,
      height: 16,
      widget: {
        title: 'Audit: one line per request (caller, endpoint, status, bytes)',
        logsPanel: {
          filter: cloudLoggingAuditFilter(name),
          resourceNames: [`projects/${v.project.stringValue}`],
        },
      },
    });
    const dashboard = new MonitoringDashboard(this, 'dashboard', {
      dashboardJson: JSON.stringify({ displayName: name, mosaicLayout: { columns: 48, tiles } }),
      dependsOn,
    });
    // The id is projects/NUMBER/dashboards/ID; the console addresses it by the last part.
    this.url = `https://console.cloud.google.com/monitoring/dashboards/custom/${Fn.element(Fn.split('/', dashboard.id), 3)}?project=${v.project.stringValue}`;
  }
}
