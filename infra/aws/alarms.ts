import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Fn, Op, TerraformLocal, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  DAYS_LEFT_ALARM,
  METRIC_DIMENSION,
  METRICS,
  REQUEST_ERRORS_METRIC,
  REQUEST_LOG,
  splat,
} from '../common';
import type { AwsContext } from './context';

/** One alarm: what it watches and the line the on-call person reads (docs/runbook-bootstrap.md#alarms). */
interface AlarmSpec {
  id: string;
  description: string;
  namespace?: string;
  metricName: string;
  dimensions?: Record<string, string>;
  statistic: 'Sum' | 'Minimum' | 'Maximum';
  period: number;
  threshold: number;
  comparisonOperator: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold';
  evaluationPeriods?: number;
  treatMissingData?: 'breaching' | 'notBreaching';
}

/**
 * The proxy's metric log lines as CloudWatch metrics, and the alarms on them, all notifying one
 * SNS topic (the operator's, or one created here with an optional e-mail subscription).
 */
export class AwsAlarms extends Construct {
  /** `JiraTokenProxy/<environment>`: the namespace of the log-based metrics. */
  readonly namespace: string;
  readonly topicArn: string;

  constructor(
    scope: Construct,
    id: string,
    ctx: AwsContext,
    watched: { logGroupName: string; functionName: string; deadLetterQueueName: string },
  ) {
    super(scope, id);
    const { v, name } = ctx;
    const noTopic = Op.eq(v.alarmTopic.stringValue, Fn.rawString(''));
    // Without kms_key_arn unencrypted: CloudWatch cannot publish to a topic under the AWS-managed
    // SNS key, and an alarm message holds no secret. A customer key's policy lets CloudWatch use it.
    const topic = new SnsTopic(this, 'alarms', {
      count: Token.asNumber(Fn.conditional(noTopic, 1, 0)),
      name: `${name}-alarms`,
      kmsMasterKeyId: ctx.key.forResource,
    });
    this.topicArn = new TerraformLocal(
      this,
      'alarm_topic',
      Fn.conditional(noTopic, Fn.one(splat(topic, 'arn')), v.alarmTopic.stringValue),
    ).asString;
    new SnsTopicSubscription(this, 'alarm_email_subscription', {
      count: Token.asNumber(Fn.conditional(Op.eq(v.alarmEmail.stringValue, Fn.rawString('')), 0, 1)),
      topicArn: this.topicArn,
      protocol: 'email',
      endpoint: v.alarmEmail.stringValue,
    });

    this.namespace = `JiraTokenProxy/${v.environment.stringValue}`;
    for (const [key, metric] of Object.entries(METRICS)) {
      new CloudwatchLogMetricFilter(this, `metric_${key}`, {
        name: `${name}-${metric}`,
        logGroupName: watched.logGroupName,
        pattern: `{ $.metric = "${metric}" }`,
        metricTransformation: { name: metric, namespace: this.namespace, value: '$.value' },
      });
    }
    // Beside each total, one series per value of the field the metric carries (the 429s by reason).
    for (const [metric, field] of Object.entries(METRIC_DIMENSION)) {
      new CloudwatchLogMetricFilter(this, `metric_${metric}_by_${field}`, {
        name: `${name}-${metric}-by-${field}`,
        logGroupName: watched.logGroupName,
        pattern: `{ $.metric = "${metric}" }`,
        metricTransformation: {
          name: metric,
          namespace: this.namespace,
          value: '$.value',
          dimensions: { [field]: `$.${field}` },
        },
      });
    }
    // Requests that ended in an error, one series per X-Psoxy-Error value (the dashboard's
    // "by error code" and "blocked" widgets).
    new CloudwatchLogMetricFilter(this, 'metric_requestErrors', {
      name: `${name}-${REQUEST_ERRORS_METRIC}`,
      logGroupName: watched.logGroupName,
      pattern: `{ $.message = "${REQUEST_LOG.message}" && $.${REQUEST_LOG.errorField} = "*" }`,
      metricTransformation: {
        name: REQUEST_ERRORS_METRIC,
        namespace: this.namespace,
        value: '1',
        dimensions: { [REQUEST_LOG.errorField]: `$.${REQUEST_LOG.errorField}` },
      },
    });

    const alarms: AlarmSpec[] = [
      {
        id: 'refresh_failures',
        description:
          'jira-token-proxy: a token refresh failed after its retries. The log line has the cause; see docs/runbook-bootstrap.md#alarms.',
        metricName: METRICS.refreshFailure,
        statistic: 'Sum',
        period: 3600,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
      {
        id: 'refresh_rejected',
        description:
          'jira-token-proxy: Atlassian rejected the refresh token; the token family is dead and callers get 503 token_family_expired. Run the bootstrap now.',
        metricName: METRICS.refreshRejected,
        statistic: 'Sum',
        period: 300,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
      {
        id: 'write_back_failures',
        description:
          'jira-token-proxy: a rotated refresh token could not be saved (store, KMS or IAM error). It is held in memory only: fix the store access before the instance ends, or the family is lost.',
        metricName: METRICS.writeBackFailure,
        statistic: 'Sum',
        period: 300,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
      {
        id: 'function_errors',
        description:
          'jira-token-proxy: the Lambda failed (crash, timeout, or a scheduled refresh that threw). See the function logs.',
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: watched.functionName },
        statistic: 'Sum',
        period: 300,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
      {
        id: 'family_days_left',
        description: `jira-token-proxy: the token family expires in under ${DAYS_LEFT_ALARM} days, or the scheduled refresh has not reported for two days. Run the annual bootstrap, or check the schedule.`,
        metricName: METRICS.daysLeft,
        statistic: 'Minimum',
        period: 86400,
        // Two days in a row below the threshold or without a report: one late run does not page.
        evaluationPeriods: 2,
        threshold: DAYS_LEFT_ALARM,
        comparisonOperator: 'LessThanThreshold',
        treatMissingData: 'breaching',
      },
      {
        id: 'quota_limited',
        description:
          "jira-token-proxy: Atlassian's hourly points quota has held the pipeline for longer than quota_limited_alarm_minutes in a row; callers get 429 quota_exhausted until the reset. Cut the calls (bulk endpoints) or ask Atlassian for a quota review: docs/OPERATORS.md#quota-alarms.",
        metricName: METRICS.quotaLimitedMinutes,
        statistic: 'Maximum',
        // Reported once per hold (at most hourly): the alarm stays up for the hour it concerns.
        period: 3600,
        threshold: v.quotaAlarmMinutes.numberValue,
        comparisonOperator: 'GreaterThanThreshold',
      },
      {
        id: 'quota_near_limit',
        description:
          'jira-token-proxy: Atlassian says less than 20% of a rate-limit budget is left (X-RateLimit-NearLimit or X-Beta-RateLimit-NearLimit). The quota may run out before the hour turns: docs/OPERATORS.md#quota-alarms.',
        metricName: METRICS.nearLimit,
        statistic: 'Sum',
        period: 3600,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
      {
        id: 'refresh_dead_letters',
        description:
          'jira-token-proxy: the scheduler could not invoke the refresh (its messages are in the dead-letter queue). Check the function and the scheduler role.',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: watched.deadLetterQueueName },
        statistic: 'Maximum',
        period: 300,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
      },
    ];
    for (const a of alarms) {
      const evaluationPeriods = a.evaluationPeriods ?? 1;
      new CloudwatchMetricAlarm(this, a.id, {
        alarmName: `${name}-${a.id.replaceAll('_', '-')}`,
        alarmDescription: a.description,
        namespace: a.namespace ?? this.namespace,
        metricName: a.metricName,
        dimensions: a.dimensions,
        statistic: a.statistic,
        period: a.period,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        threshold: a.threshold,
        comparisonOperator: a.comparisonOperator,
        treatMissingData: a.treatMissingData ?? 'notBreaching',
        alarmActions: [this.topicArn],
        okActions: [this.topicArn],
      });
    }
  }
}
