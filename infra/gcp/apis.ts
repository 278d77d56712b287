import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { Fn, Op, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { GcpVariables } from './variables';

/** Every API the stack calls; IAM and Resource Manager for the accounts, roles and bindings. */
export const APIS = [
  'artifactregistry.googleapis.com',
  'cloudbuild.googleapis.com',
  'cloudfunctions.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'cloudscheduler.googleapis.com',
  'iam.googleapis.com',
  'logging.googleapis.com',
  'monitoring.googleapis.com',
  'run.googleapis.com',
  'secretmanager.googleapis.com',
  'storage.googleapis.com',
];

/**
 * The APIs, enabled before anything that needs them: a new project has few of them on, and an
 * apply that creates a service account before `iam.googleapis.com` is on fails half-way.
 */
export class Apis extends Construct {
  readonly all: ProjectService[];

  constructor(scope: Construct, id: string, v: GcpVariables) {
    super(scope, id);
    const enable = (api: string, count?: number) =>
      new ProjectService(this, `api_${api.split('.')[0]}`, {
        count,
        service: api,
        // Other workloads of the project may use them: tearing this down leaves them on.
        disableOnDestroy: false,
      });
    this.all = [
      ...APIS.map((api) => enable(api)),
      // Only with a VPC connector.
      enable(
        'vpcaccess.googleapis.com',
        Token.asNumber(Fn.conditional(Op.eq(v.vpcConnector.stringValue, Fn.rawString('')), 0, 1)),
      ),
    ];
  }
}
