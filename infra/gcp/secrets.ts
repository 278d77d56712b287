import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { SecretSuffix } from '../../src/secrets';
import { ALL_SECRETS, LOCK, READ_ONLY, RETAINED, WRITTEN } from '../common';
import { saltWrite } from '../variables';
import { GcpCustomerKeys } from './cmek';
import type { GcpContext } from './context';

/**
 * The secrets, and per-secret IAM for the function's account. Terraform adds no placeholder
 * version to the secrets the proxy or bootstrap write: the proxy destroys old versions, and the
 * provider then drops a destroyed version from its state and would add the placeholder back as
 * the newest version, shadowing the live token. Only the salt, which nothing rewrites, gets a
 * version, through the write-only `secret_data_wo`: no value in the plan or the state.
 */
export class GcpSecrets extends Construct {
  readonly all: SecretManagerSecret[];

  constructor(scope: Construct, id: string, ctx: GcpContext, functionMember: string) {
    super(scope, id);
    const { v, apis, keys } = ctx;
    const secrets = new Map<SecretSuffix, SecretManagerSecret>();
    for (const s of ALL_SECRETS) {
      const secret = new SecretManagerSecret(this, `secret_${s.toLowerCase()}`, {
        secretId: `${v.secretPrefix.stringValue}${s}`,
        replication: { auto: {} },
        labels: { app: 'jira-token-proxy' },
        // The lock lives in the LOCK secret's annotations, and CAS markers in the rotating ones'.
        lifecycle: { ignoreChanges: ['annotations'], preventDestroy: RETAINED.includes(s) },
        dependsOn: [...apis, ...keys.grants],
      });
      // Automatic, or the residency regions; with the customer keys (infra/gcp/cmek.ts).
      secret.addOverride('replication.auto', undefined);
      secret.addOverride('replication.dynamic', GcpCustomerKeys.replication);
      secrets.set(s, secret);
    }
    this.all = [...secrets.values()];
    const secret = (s: SecretSuffix) => secrets.get(s) as SecretManagerSecret;
    const salt = saltWrite(v);
    new SecretManagerSecretVersion(this, 'salt_initial', {
      secret: secret('SALT').id,
      secretDataWo: salt.value,
      secretDataWoVersion: salt.version,
      // Leave the version alone if the stack is ever destroyed; the secret decides its fate.
      deletionPolicy: 'ABANDON',
      // `secret_data` is what a stack before write-only arguments set.
      lifecycle: { ignoreChanges: ['secret_data', 'enabled'] },
    });

    // Annotation updates (the lock and the write compare-and-swap) need secrets.update, which no
    // predefined role grants without also granting delete or IAM changes.
    const annotator = new ProjectIamCustomRole(this, 'secret_annotator', {
      roleId: `jiraTokenProxyAnnotator_${Fn.replace(v.environment.stringValue, '-', '_')}`,
      title: `jira-token-proxy ${v.environment.stringValue}: secret annotations`,
      description: 'Read and update a secret (its annotations); no access to its versions.',
      permissions: ['secretmanager.secrets.get', 'secretmanager.secrets.update'],
      dependsOn: apis,
    });
    const grant = (s: SecretSuffix, role: string, id: string) =>
      new SecretManagerSecretIamMember(this, `${id}_${s.toLowerCase()}`, {
        secretId: secret(s).id,
        role,
        member: functionMember,
      });
    for (const s of [...READ_ONLY, ...WRITTEN]) grant(s, 'roles/secretmanager.secretAccessor', 'accessor');
    // The proxy reads the newest enabled version by number (the `latest` alias is not strongly
    // consistent): versions.list, which secretAccessor lacks and viewer carries (metadata only).
    for (const s of READ_ONLY) grant(s, 'roles/secretmanager.viewer', 'viewer');
    for (const s of WRITTEN) grant(s, 'roles/secretmanager.secretVersionManager', 'version_manager');
    for (const s of [...WRITTEN, LOCK]) grant(s, annotator.name, 'annotator');
  }
}
