import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job';
import type { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Construct } from 'constructs';
import type { GcpContext } from './context';

/**
 * The scheduled refresh: Cloud Scheduler POSTs `/_refresh` with an OIDC token of its own account,
 * the only other member with run.invoker. A failed attempt is logged by Cloud Scheduler, which
 * an alert policy watches.
 */
export class GcpRefreshSchedule extends Construct {
  /** The job's id, as Cloud Scheduler logs it (`resource.labels.job_id`). */
  readonly jobName: string;

  constructor(scope: Construct, id: string, ctx: GcpContext, fn: Cloudfunctions2Function) {
    super(scope, id);
    const { v, name, apis } = ctx;
    const account = new ServiceAccount(this, 'scheduler_sa', {
      accountId: `jtp-${v.environment.stringValue}-sched`,
      displayName: 'jira-token-proxy scheduled refresh',
      dependsOn: apis,
    });
    new CloudRunV2ServiceIamMember(this, 'scheduler_invoker', {
      location: fn.location,
      name: fn.name,
      role: 'roles/run.invoker',
      member: `serviceAccount:${account.email}`,
    });
    this.jobName = `${name}-refresh`;
    new CloudSchedulerJob(this, 'refresh', {
      name: this.jobName,
      region: v.region.stringValue,
      description: 'Scheduled token refresh of jira-token-proxy',
      schedule: v.refreshSchedule.stringValue,
      timeZone: 'Etc/UTC',
      attemptDeadline: '60s',
      retryConfig: { retryCount: 3, minBackoffDuration: '60s' },
      httpTarget: {
        httpMethod: 'POST',
        uri: `${fn.url}/_refresh`,
        oidcToken: { serviceAccountEmail: account.email, audience: fn.url },
      },
      dependsOn: apis,
    });
  }
}
