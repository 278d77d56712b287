// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions.
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object';
import { Fn, type ITerraformDependable, Op, TerraformIterator, Token } from 'cdktf';
import { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_SECONDS, zipPathLocal } from '../common';
import { callerControlEnvironment } from '../enterprise-variables';
import { functionEnvironment } from '../variables';
import { GcpCustomerKeys } from './cmek';
import type { GcpContext } from './context';

/**
 * The 2nd-gen Cloud Function running as `account`: a build account of its own with the three
 * grants a build needs (new organisations no longer give the default compute account any), the
 * source bucket and build repository, and the invoker bindings.
 */
export class GcpFunction extends Construct {
  readonly fn: Cloudfunctions2Function;
  constructor(
    scope: Construct,
    id: string,
    ctx: GcpContext,
    account: ServiceAccount,
    secrets: ITerraformDependable[],
  ) {
    super(scope, id);
    const { v, name, apis, keys } = ctx;
    const env = v.environment.stringValue;
    const project = v.project.stringValue;
    const builder = new ServiceAccount(this, 'build_sa', {
      accountId: `jtp-${env}-build`,
      displayName: 'jira-token-proxy function build',
      dependsOn: apis,
    });
    const buildMember = `serviceAccount:${builder.email}`;

    const zipPath = zipPathLocal(this, 'function_zip_path', v.zip.stringValue, 'gcp-function.zip');
    const bucket = new StorageBucket(this, 'source', {
      name: `${project}-jtp-${env}-source`,
      location: Fn.upper(v.region.stringValue),
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      // Holds only build sources, re-uploaded by every apply.
      forceDestroy: true,
      dependsOn: [...apis, ...keys.grants],
    });
    bucket.addOverride('dynamic.encryption', GcpCustomerKeys.bucketEncryption);
    const source = new StorageBucketObject(this, 'source_zip', {
      bucket: bucket.name,
      // A new object name per build makes the function redeploy when the code changes.
      name: `gcp-function-${Fn.filemd5(zipPath)}.zip`,
      source: zipPath,
    });
    const repository = new ArtifactRegistryRepository(this, 'build_repository', {
      repositoryId: `jtp-${env}`,
      location: v.region.stringValue,
      format: 'DOCKER',
      description: 'Images of the jira-token-proxy function builds',
      kmsKeyName: keys.regionKey,
      dependsOn: [...apis, ...keys.grants],
    });

    // The build: write its logs, push the image to this repository only, read the sources (the
    // zip here, and the copy Cloud Functions makes in its gcf-v2-sources-* bucket).
    const buildGrants = [
      new ProjectIamMember(this, 'build_log_writer', {
        project,
        role: 'roles/logging.logWriter',
        member: buildMember,
        dependsOn: apis,
      }),
      new ProjectIamMember(this, 'build_source_reader', {
        project,
        role: 'roles/storage.objectViewer',
        member: buildMember,
        condition: {
          title: 'function sources only',
          expression: `resource.name.startsWith("projects/_/buckets/gcf-v2-sources-") || resource.name.startsWith("projects/_/buckets/${bucket.name}")`,
        },
        dependsOn: apis,
      }),
      new ArtifactRegistryRepositoryIamMember(this, 'build_image_writer', {
        location: repository.location,
        repository: repository.name,
        role: 'roles/artifactregistry.writer',
        member: buildMember,
      }),
    ];

    this.fn = new Cloudfunctions2Function(this, 'function', {
      name,
      location: v.region.stringValue,
      description: 'jira-token-proxy: Jira Cloud OAuth token-refresh proxy',
      kmsKeyName: keys.regionKey,
      buildConfig: {
        runtime: 'nodejs22',
        entryPoint: 'jiraTokenProxy',
        source: { storageSource: { bucket: bucket.name, object: source.name } },
        serviceAccount: builder.id,
        dockerRepository: repository.id,
      },
      serviceConfig: {
        serviceAccountEmail: account.email,
        availableMemory: `${v.memoryMb.numberValue}Mi`,
        timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
        minInstanceCount: 0,
        maxInstanceCount: v.maxInstances.numberValue,
        ingressSettings: v.ingress.stringValue,
        allTrafficOnLatestRevision: true,
        // Off by default: the function reaches Atlassian directly. A site behind an Atlassian IP
        // allowlist needs a fixed source address: a connector whose network has Cloud NAT with a
        // static IP, and all egress through it.
        vpcConnector: Fn.conditional(
          Op.eq(v.vpcConnector.stringValue, Fn.rawString('')),
          Token.nullValue(),
          v.vpcConnector.stringValue,
        ) as string,
        vpcConnectorEgressSettings: Fn.conditional(
          Op.eq(v.vpcConnector.stringValue, Fn.rawString('')),
          Token.nullValue(),
          'ALL_TRAFFIC',
        ) as string,
        environmentVariables: functionEnvironment(v, {
          SECRET_STORE: 'gcp-secret-manager',
          GCP_PROJECT: project,
          ...callerControlEnvironment(v),
        }),
      },
      dependsOn: [...apis, ...secrets, ...buildGrants],
    });

    const invokers = TerraformIterator.fromList(v.invokers.listValue);
    new CloudRunV2ServiceIamMember(this, 'invokers', {
      forEach: invokers,
      location: this.fn.location,
      name: this.fn.name,
      role: 'roles/run.invoker',
      member: invokers.value,
    });
  }
}
