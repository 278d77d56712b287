import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionUrl } from '@cdktf/provider-aws/lib/lambda-function-url';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_SECONDS, zipPathLocal } from '../common';
import { callerControlEnvironment } from '../enterprise-variables';
import { functionEnvironment } from '../variables';
import type { AwsContext } from './context';
import type { ExecutionRole } from './roles';

/** The Lambda, its log group and its function URL (AWS_IAM only: no resource policy opens it). */
export class ProxyFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly url: LambdaFunctionUrl;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, ctx: AwsContext, exec: ExecutionRole) {
    super(scope, id);
    const { v, name } = ctx;
    const zipPath = zipPathLocal(this, 'lambda_zip_path', v.zip.stringValue, 'aws-lambda.zip');
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${name}`,
      retentionInDays: v.retention.numberValue,
      kmsKeyId: ctx.key.forResource,
    });
    this.fn = new LambdaFunction(this, 'function', {
      functionName: name,
      description: 'jira-token-proxy: Jira Cloud OAuth token-refresh proxy',
      role: exec.role.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      filename: zipPath,
      sourceCodeHash: Fn.filebase64sha256(zipPath),
      memorySize: v.memoryMb.numberValue,
      timeout: FUNCTION_TIMEOUT_SECONDS,
      reservedConcurrentExecutions: v.reservedConcurrency.numberValue,
      kmsKeyArn: ctx.key.forResource,
      environment: {
        variables: functionEnvironment(v, {
          SECRET_STORE: v.store.stringValue,
          KMS_KEY_ID: v.kmsKey.stringValue,
          ...callerControlEnvironment(v),
        }),
      },
      // Off by default: outside a VPC Lambda reaches Atlassian directly, with no NAT gateway to
      // pay for. A site behind an Atlassian IP allowlist needs a fixed source address: private
      // subnets whose NAT gateway has an Elastic IP. Empty lists mean "no VPC" to the provider.
      vpcConfig: { subnetIds: v.subnetIds.listValue, securityGroupIds: v.securityGroupIds.listValue },
      // Text: the proxy already writes JSON lines, which the metric filters read as they are.
      loggingConfig: { logFormat: 'Text', logGroup: this.logGroup.name },
      dependsOn: exec.policies,
    });
    this.url = new LambdaFunctionUrl(this, 'url', {
      functionName: this.fn.functionName,
      authorizationType: 'AWS_IAM',
      invokeMode: 'BUFFERED',
    });
  }
}
