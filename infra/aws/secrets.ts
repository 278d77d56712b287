import { DataAwsKmsKey } from '@cdktf/provider-aws/lib/data-aws-kms-key';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { Fn, type IResolvable, Op, ref, TerraformLocal, Token } from 'cdktf';
import { Construct } from 'constructs';
import { ALL_SECRETS, LOCK, PLACEHOLDER, RETAINED } from '../common';
import { saltWrite } from '../variables';
import type { AwsContext } from './context';

/**
 * A label of our own on the version Terraform creates: Secrets Manager garbage-collects versions
 * left without labels, and the provider would then re-create the placeholder as AWSCURRENT over
 * the live token (hashicorp/terraform-provider-aws#37302). With this label it is never collected.
 */
const SM_INITIAL_STAGE = 'TERRAFORM_INITIAL';

/**
 * The secrets, in SSM or Secrets Manager (`count` picks the store), created with a placeholder
 * or a random salt through write-only arguments: no value reaches the plan or the state, and
 * Terraform writes again only when `salt_version` changes (the salt) or never (the rest).
 */
export class AwsSecrets extends Construct {
  readonly useSsm: IResolvable;
  readonly ssmPrefix: string;
  /** The KMS key in use: the customer key, else the store's AWS-managed key. */
  readonly keyArn: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly ctx: AwsContext,
  ) {
    super(scope, id);
    const { v } = ctx;
    this.useSsm = new TerraformLocal(this, 'use_ssm', Op.eq(v.store.stringValue, 'aws-ssm')).asBoolean;
    // SSM wants hierarchy names fully qualified: `jira/X_` means `/jira/X_` (as the proxy does).
    this.ssmPrefix = new TerraformLocal(
      this,
      'ssm_prefix',
      `\${length(regexall("/", var.secret_prefix)) > 0 && !startswith(var.secret_prefix, "/") ? "/\${var.secret_prefix}" : var.secret_prefix}`,
    ).asString;
    const noKmsKey = Op.eq(v.kmsKey.stringValue, Fn.rawString(''));
    const keyOrDefault = Fn.conditional(noKmsKey, Token.nullValue(), v.kmsKey.stringValue) as string;
    // DescribeKey creates the AWS-managed key if need be.
    this.keyArn = new DataAwsKmsKey(this, 'secrets_key', {
      keyId: Fn.conditional(
        noKmsKey,
        Fn.conditional(this.useSsm, 'alias/aws/ssm', 'alias/aws/secretsmanager'),
        v.kmsKey.stringValue,
      ) as string,
    }).arn;

    const ssmCount = Token.asNumber(Fn.conditional(this.useSsm, 1, 0));
    const smCount = Token.asNumber(Fn.conditional(this.useSsm, 0, 1));
    // The salt is rewritten when its version changes. A placeholder's version is fixed and
    // ignored, so nothing makes Terraform write over the token bootstrap or a refresh put there.
    const description = (s: string) =>
      `jira-token-proxy ${s} (value written by bootstrap or the proxy, never by Terraform)`;
    for (const s of ALL_SECRETS) {
      const id = s.toLowerCase();
      const preventDestroy = RETAINED.includes(s);
      const fixed = s !== 'SALT';
      const { value, version } = fixed ? { value: PLACEHOLDER, version: 1 } : saltWrite(v);
      // The proxy creates and deletes the SSM lock itself (an exclusive create is the lock).
      if (s !== LOCK) {
        new SsmParameter(this, `ssm_${id}`, {
          count: ssmCount,
          name: `${this.ssmPrefix}${s}`,
          description: description(s),
          type: 'SecureString',
          tier: 'Intelligent-Tiering',
          keyId: keyOrDefault,
          valueWo: value,
          valueWoVersion: version,
          // `value` is what a stack before write-only arguments set; it must not come back as a diff.
          lifecycle: { ignoreChanges: ['value', ...(fixed ? ['value_wo_version'] : [])], preventDestroy },
        });
      }
      const secret = new SecretsmanagerSecret(this, `sm_${id}`, {
        count: smCount,
        name: `${v.secretPrefix.stringValue}${s}`,
        description: description(s),
        kmsKeyId: keyOrDefault,
        recoveryWindowInDays: 7,
        lifecycle: { preventDestroy },
      });
      new SecretsmanagerSecretVersion(this, `sm_${id}_initial`, {
        count: smCount,
        secretId: Token.asString(
          ref(`${secret.terraformResourceType}.${secret.friendlyUniqueId}[count.index].id`),
        ),
        secretStringWo: value,
        secretStringWoVersion: version,
        versionStages: ['AWSCURRENT', SM_INITIAL_STAGE],
        // The proxy moves AWSCURRENT on; `secret_string` is what an older stack set.
        lifecycle: {
          ignoreChanges: ['secret_string', 'version_stages', ...(fixed ? ['secret_string_wo_version'] : [])],
        },
      });
    }
  }

  /** ARN of a parameter, for IAM. */
  ssmArn(suffix: string): string {
    const { v, partition, account } = this.ctx;
    return `arn:${partition}:ssm:${v.region.stringValue}:${account}:parameter/${Fn.trimprefix(this.ssmPrefix, '/')}${suffix}`;
  }

  /** ARN pattern of a secret, for IAM: Secrets Manager appends a random 6-character suffix. */
  smArn(suffix: string): string {
    const { v, partition, account } = this.ctx;
    return `arn:${partition}:secretsmanager:${v.region.stringValue}:${account}:secret:${v.secretPrefix.stringValue}${suffix}-??????`;
  }
}
