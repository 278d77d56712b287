import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Fn, Op, Token } from 'cdktf';
import { Construct } from 'constructs';
import { ALL_SECRETS, LOCK, splat, WRITTEN } from '../common';
import type { AwsContext } from './context';
import type { AwsSecrets } from './secrets';

/**
 * The execution role: read its own secrets, write only the rotating ones and the lock, write
 * its own log group, and (only with `vpc_subnet_ids`) manage the network interfaces of a VPC.
 */
export class ExecutionRole extends Construct {
  readonly role: IamRole;
  /** The policies the function must not start without. */
  readonly policies: IamRolePolicy[];

  constructor(scope: Construct, id: string, ctx: AwsContext, secrets: AwsSecrets) {
    super(scope, id);
    const { v, name, account, partition } = ctx;
    this.role = new IamRole(this, 'exec_role', {
      name: `${name}-exec`,
      assumeRolePolicy: serviceTrust(this, 'exec_trust', 'lambda.amazonaws.com', account),
    });
    const ssm = (s: string) => secrets.ssmArn(s);
    const sm = (s: string) => secrets.smArn(s);
    // Every conditional change of an SSM parameter first creates, reads and deletes a marker
    // `<name>.next-<state>-<level>` beside it (src/stores/aws-ssm.ts).
    const markers = [...WRITTEN, LOCK].map((s) => ssm(`${s}.next-*`));
    const ssmPolicy = new DataAwsIamPolicyDocument(this, 'ssm_access', {
      statement: [
        {
          sid: 'ReadSecrets',
          actions: ['ssm:GetParameter', 'ssm:GetParameters'],
          resources: [...ALL_SECRETS.map(ssm), ...markers],
        },
        {
          sid: 'WriteRotatingAndLock',
          actions: ['ssm:PutParameter'],
          resources: [...WRITTEN.map(ssm), ssm(LOCK), ...markers],
        },
        {
          sid: 'ReleaseLockAndMarkers',
          actions: ['ssm:DeleteParameter'],
          resources: [ssm(LOCK), ...markers],
        },
        keyStatement(
          ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          secrets.keyArn,
          `ssm.${v.region.stringValue}.amazonaws.com`,
        ),
      ],
    });
    const smPolicy = new DataAwsIamPolicyDocument(this, 'secretsmanager_access', {
      statement: [
        { sid: 'ReadSecrets', actions: ['secretsmanager:GetSecretValue'], resources: ALL_SECRETS.map(sm) },
        {
          sid: 'WriteRotatingAndLock',
          actions: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          resources: [...WRITTEN, LOCK].map(sm),
        },
        keyStatement(
          ['kms:Decrypt', 'kms:GenerateDataKey'],
          secrets.keyArn,
          `secretsmanager.${v.region.stringValue}.amazonaws.com`,
        ),
      ],
    });
    const secretsAccess = new IamRolePolicy(this, 'exec_secrets', {
      name: 'secrets',
      role: this.role.id,
      policy: Fn.conditional(secrets.useSsm, ssmPolicy.json, smPolicy.json) as string,
    });
    const logsAccess = new IamRolePolicy(this, 'exec_logs', {
      name: 'logs',
      role: this.role.id,
      policy: new DataAwsIamPolicyDocument(this, 'logs_access', {
        statement: [
          {
            sid: 'WriteOwnLogs',
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [
              `arn:${partition}:logs:${v.region.stringValue}:${account}:log-group:/aws/lambda/${name}:*`,
            ],
          },
        ],
      }).json,
    });
    // Lambda in a VPC creates its network interfaces as this role; AWS's managed policy is the
    // documented minimum (its Describe actions cannot be narrowed to a resource).
    new IamRolePolicyAttachment(this, 'exec_vpc', {
      count: some(v.subnetIds.listValue),
      role: this.role.name,
      policyArn: `arn:${partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole`,
    });
    this.policies = [secretsAccess, logsAccess];
  }
}

/**
 * The caller role: the one identity allowed to call the function URL. AWS principals assume it
 * with sts:AssumeRole; Google service accounts (an analytics pipeline on GCP) with their Google
 * ID token through sts:AssumeRoleWithWebIdentity, as Psoxy's `caller_gcp_service_account_ids`.
 */
export class CallerRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, ctx: AwsContext, functionArn: string) {
    super(scope, id);
    const { v, name } = ctx;
    const awsTrust = new DataAwsIamPolicyDocument(this, 'caller_trust_aws', {
      count: some(v.callerArns.listValue),
      statement: [
        {
          sid: 'AwsCallers',
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'AWS', identifiers: v.callerArns.listValue }],
        },
      ],
    });
    const googleTrust = new DataAwsIamPolicyDocument(this, 'caller_trust_google', {
      count: some(v.callerGoogleIds.listValue),
      statement: [
        {
          sid: 'GoogleServiceAccounts',
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principals: [{ type: 'Federated', identifiers: ['accounts.google.com'] }],
          condition: [
            {
              test: 'StringEquals',
              variable: 'accounts.google.com:aud',
              values: v.callerGoogleIds.listValue,
            },
          ],
        },
      ],
    });
    this.role = new IamRole(this, 'caller_role', {
      name: `${name}-caller`,
      description: 'Assumed by the analytics pipeline to call the jira-token-proxy function URL',
      assumeRolePolicy: new DataAwsIamPolicyDocument(this, 'caller_trust', {
        sourcePolicyDocuments: Token.asList(Fn.concat([splat(awsTrust, 'json'), splat(googleTrust, 'json')])),
      }).json,
    });
    new IamRolePolicy(this, 'caller_invoke', {
      name: 'invoke-url',
      role: this.role.id,
      policy: new DataAwsIamPolicyDocument(this, 'caller_access', {
        statement: [
          {
            sid: 'InvokeFunctionUrl',
            actions: ['lambda:InvokeFunctionUrl'],
            resources: [functionArn],
            condition: [
              { test: 'StringEquals', variable: 'lambda:FunctionUrlAuthType', values: ['AWS_IAM'] },
            ],
          },
          {
            // Required for function URLs since October 2025; the condition keeps direct Invoke out.
            sid: 'InvokeViaFunctionUrlOnly',
            actions: ['lambda:InvokeFunction'],
            resources: [functionArn],
            condition: [{ test: 'Bool', variable: 'lambda:InvokedViaFunctionUrl', values: ['true'] }],
          },
        ],
      }).json,
    });
  }
}

/** A trust policy for an AWS service acting for this account only. */
export function serviceTrust(scope: Construct, id: string, service: string, account: string): string {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: [
      {
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'Service', identifiers: [service] }],
        condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [account] }],
      },
    ],
  }).json;
}

function keyStatement(
  actions: string[],
  keyArn: string,
  viaService: string,
): DataAwsIamPolicyDocumentStatement {
  return {
    sid: 'UseSecretsKey',
    actions,
    resources: [keyArn],
    condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: [viaService] }],
  };
}

/** 1 when the list has an element, else 0: the `count` of an optional part. */
const some = (list: string[]) => Token.asNumber(Fn.conditional(Op.gte(Fn.lengthOf(list), 1), 1, 0));
