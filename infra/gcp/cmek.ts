// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform expressions.
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project';
import { KmsCryptoKeyIamMember } from '@cdktf/provider-google/lib/kms-crypto-key-iam-member';
import { Fn, type ITerraformDependable, Op, TerraformIterator, TerraformLocal, Token } from 'cdktf';
import { Construct } from 'constructs';
import { splat } from '../common';
import type { GcpVariables } from './variables';

/** The service agents that encrypt the function's sources, build images and service with the region's key. */
const FUNCTION_KEY_AGENTS = [
  'gcf-admin-robot',
  'gcp-sa-artifactregistry',
  'serverless-robot-prod',
  'gs-project-accounts',
];

const KEYS_GIVEN = 'length(var.kms_key_names) > 0';
const SECRET_LOCATIONS =
  '(length(var.secret_replica_locations) == 0 ? ["global"] : var.secret_replica_locations)';

/**
 * `kms_key_names` and `secret_replica_locations`: where the secrets live and which customer keys
 * (CMEK) encrypt what the stack keeps at rest. The secrets take the key of their location
 * (`global` under automatic replication, each replica's region otherwise); the function, its
 * build repository and its source bucket take the key of `gcp_region`. The Google service agents
 * that encrypt for them get `roles/cloudkms.cryptoKeyEncrypterDecrypter` on exactly those keys.
 * With neither variable set everything stays as it was: automatic replication, Google-managed keys.
 */
export class GcpCustomerKeys extends Construct {
  /** The key of gcp_region, or null. */
  readonly regionKey: string;
  /** The grants, for the resources that must not be created before their key is usable. */
  readonly grants: ITerraformDependable[];

  constructor(scope: Construct, id: string, v: GcpVariables, apis: ITerraformDependable[]) {
    super(scope, id);
    this.regionKey = new TerraformLocal(
      this,
      'region_key',
      '${lookup(var.kms_key_names, var.gcp_region, null)}',
    ).asString;
    const project = new DataGoogleProject(this, 'project', {
      count: Token.asNumber(Fn.conditional(Op.gte(Fn.lengthOf(v.kmsKeys.value), 1), 1, 0)),
      projectId: v.project.stringValue,
      dependsOn: apis,
    });
    // Service agents are named by the project number: service-NUMBER@AGENT.iam.gserviceaccount.com.
    new TerraformLocal(this, 'project_number', Fn.one(splat(project, 'number')));
    const agent = (name: string) =>
      `serviceAccount:service-\${local.project_number}@${name}.iam.gserviceaccount.com`;
    const pairs = new TerraformLocal(
      this,
      'kms_grants',
      `\${merge({ for loc in ${SECRET_LOCATIONS} : "secretmanager/\${loc}" => { key = var.kms_key_names[loc], member = "${agent('gcp-sa-secretmanager')}" } if ${KEYS_GIVEN} }, { for a in ${JSON.stringify(FUNCTION_KEY_AGENTS)} : a => { key = var.kms_key_names[var.gcp_region], member = "${agent('${a}')}" } if ${KEYS_GIVEN} })}`,
    );
    const each = TerraformIterator.fromMap(pairs.asAnyMap);
    this.grants = [
      new KmsCryptoKeyIamMember(this, 'key_users', {
        forEach: each,
        cryptoKeyId: each.getString('key'),
        role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
        member: each.getString('member'),
      }),
    ];
  }

  /**
   * The `replication` block of every secret, in Terraform JSON: automatic (with the global key)
   * when no replica location is given, else one user-managed replica per location, each with its
   * own region's key. Dynamic blocks, which cdktf's typed bindings cannot express below the top.
   */
  static readonly replication = {
    auto: {
      for_each: '${length(var.secret_replica_locations) == 0 ? [1] : []}',
      content: {
        dynamic: {
          customer_managed_encryption: {
            for_each: '${compact([lookup(var.kms_key_names, "global", "")])}',
            content: { kms_key_name: '${customer_managed_encryption.value}' },
          },
        },
      },
    },
    user_managed: {
      for_each: '${length(var.secret_replica_locations) == 0 ? [] : [1]}',
      content: {
        dynamic: {
          replicas: {
            for_each: '${var.secret_replica_locations}',
            content: {
              location: '${replicas.value}',
              dynamic: {
                customer_managed_encryption: {
                  for_each: '${compact([lookup(var.kms_key_names, replicas.value, "")])}',
                  content: { kms_key_name: '${customer_managed_encryption.value}' },
                },
              },
            },
          },
        },
      },
    },
  };

  /** The source bucket's `encryption` block (its default key), only when gcp_region has a customer key. */
  static readonly bucketEncryption = {
    for_each: '${compact([lookup(var.kms_key_names, var.gcp_region, "")])}',
    content: { default_kms_key_name: '${encryption.value}' },
  };
}
