import { randomUUID } from 'node:crypto';
import {
  AwsError,
  type AwsJsonServer,
  awsTestEnv,
  type JsonObject,
  optStr,
  startAwsJsonServer,
  str,
} from './aws-json';

/**
 * AWS Secrets Manager on loopback: CreateSecret, GetSecretValue, PutSecretValue,
 * UpdateSecretVersionStage and DescribeSecret, with real versions and staging labels. A label sits
 * on one version at a time; moving AWSCURRENT puts AWSPREVIOUS on the version it left; moving a
 * label that is attached elsewhere needs `RemoveFromVersionId` naming the version that holds it,
 * and a stale `RemoveFromVersionId` fails with InvalidParameterException, as AWS answers.
 */

export interface SecretVersion {
  id: string;
  value: string;
  stages: Set<string>;
  created: Date;
}

export interface Secret {
  name: string;
  arn: string;
  kmsKeyId?: string;
  /** Versions in creation order (AWS deprecates unlabelled ones itself; this server keeps them). */
  versions: Map<string, SecretVersion>;
}

export interface SecretsManagerServer extends AwsJsonServer {
  readonly secrets: Map<string, Secret>;
  /** The SDK's endpoint and dummy-credential variables for this server. */
  readonly env: Record<string, string>;
  /** Seeds a secret as an operator or Terraform would; without a value it has no AWSCURRENT version. */
  seed(name: string, value?: string): void;
  /** The value AWSCURRENT points at, if any. */
  current(name: string): SecretVersion | undefined;
  /** Empties the store and forgets recorded calls: a fresh backend. */
  reset(): void;
}

const NAME = /^[a-zA-Z0-9/_+=.@-]{1,512}$/;
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';

function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

function notFound(message = "Secrets Manager can't find the specified secret."): AwsError {
  return new AwsError('ResourceNotFoundException', message);
}

function holder(secret: Secret, stage: string): SecretVersion | undefined {
  for (const v of secret.versions.values()) if (v.stages.has(stage)) return v;
  return undefined;
}

/** Attaches `stage` to `target`, detaching it elsewhere; AWSCURRENT leaves AWSPREVIOUS behind. */
function attach(secret: Secret, stage: string, target: SecretVersion): void {
  const from = holder(secret, stage);
  if (from === target) return;
  from?.stages.delete(stage);
  target.stages.add(stage);
  if (stage === CURRENT && from) {
    holder(secret, PREVIOUS)?.stages.delete(PREVIOUS);
    from.stages.add(PREVIOUS);
  }
}

function stagesOf(input: JsonObject): string[] {
  const stages = input.VersionStages;
  if (stages === undefined || stages === null) return [CURRENT];
  if (!Array.isArray(stages) || stages.length > 20 || !stages.every((s) => typeof s === 'string' && s)) {
    throw invalidParameter('VersionStages must be a list of up to 20 staging labels.');
  }
  return stages as string[];
}

export async function startSecretsManagerServer(): Promise<SecretsManagerServer> {
  const secrets = new Map<string, Secret>();

  const lookup = (id: string): Secret => {
    const secret = secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id);
    if (!secret) throw notFound();
    return secret;
  };

  const create = (name: string, kmsKeyId?: string): Secret => {
    if (!NAME.test(name))
      throw invalidParameter(
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    if (secrets.has(name)) {
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const suffix = randomUUID().replace(/-/g, '').slice(0, 6);
    const secret: Secret = {
      name,
      arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-${suffix}`,
      kmsKeyId,
      versions: new Map(),
    };
    secrets.set(name, secret);
    return secret;
  };

  const addVersion = (secret: Secret, id: string, value: string, stages: string[]): SecretVersion => {
    const existing = secret.versions.get(id);
    if (existing) {
      // ClientRequestToken is an idempotency token: a retry with the same value is a no-op.
      if (existing.value === value) return existing;
      throw new AwsError(
        'ResourceExistsException',
        `A version with ClientRequestToken ${id} already exists.`,
      );
    }
    const version: SecretVersion = { id, value, stages: new Set(), created: new Date() };
    secret.versions.set(id, version);
    for (const stage of stages) attach(secret, stage, version);
    return version;
  };

  const server = await startAwsJsonServer('secretsmanager', {
    CreateSecret(input) {
      const secret = create(str(input, 'Name'), optStr(input, 'KmsKeyId'));
      const value = optStr(input, 'SecretString');
      if (value === undefined) return { ARN: secret.arn, Name: secret.name };
      const version = addVersion(secret, optStr(input, 'ClientRequestToken') ?? randomUUID(), value, [
        CURRENT,
      ]);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.id };
    },

    GetSecretValue(input) {
      const secret = lookup(str(input, 'SecretId'));
      const versionId = optStr(input, 'VersionId');
      const stage = optStr(input, 'VersionStage') ?? (versionId ? undefined : CURRENT);
      const version = versionId ? secret.versions.get(versionId) : holder(secret, stage as string);
      if (!version || (stage && !version.stages.has(stage))) {
        throw notFound(
          `Secrets Manager can't find the specified secret value for staging label: ${stage ?? versionId}`,
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: [...version.stages],
        CreatedDate: version.created.getTime() / 1000,
      };
    },

    PutSecretValue(input) {
      const secret = lookup(str(input, 'SecretId'));
      const stages = stagesOf(input);
      const version = addVersion(
        secret,
        optStr(input, 'ClientRequestToken') ?? randomUUID(),
        str(input, 'SecretString'),
        stages,
      );
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        VersionStages: [...version.stages],
      };
    },

    UpdateSecretVersionStage(input) {
      const secret = lookup(str(input, 'SecretId'));
      const stage = str(input, 'VersionStage');
      const moveTo = optStr(input, 'MoveToVersionId');
      const removeFrom = optStr(input, 'RemoveFromVersionId');
      const current = holder(secret, stage);
      if (removeFrom !== undefined && current?.id !== removeFrom) {
        throw invalidParameter(`The staging label ${stage} is not attached to version ${removeFrom}.`);
      }
      if (moveTo === undefined) {
        if (stage === CURRENT) throw invalidParameter('You can only move AWSCURRENT to another version.');
        if (current) current.stages.delete(stage);
        return { ARN: secret.arn, Name: secret.name };
      }
      const target = secret.versions.get(moveTo);
      if (!target) throw invalidParameter(`Version ${moveTo} does not exist.`);
      if (current && current !== target && removeFrom === undefined) {
        throw invalidParameter(
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${current.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      attach(secret, stage, target);
      return { ARN: secret.arn, Name: secret.name };
    },

    DescribeSecret(input) {
      const secret = lookup(str(input, 'SecretId'));
      const stages: Record<string, string[]> = {};
      for (const v of secret.versions.values()) if (v.stages.size > 0) stages[v.id] = [...v.stages];
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.kmsKeyId ? { KmsKeyId: secret.kmsKeyId } : {}),
        VersionIdsToStages: stages,
      };
    },
  });

  return Object.assign(server, {
    secrets,
    env: awsTestEnv({ AWS_ENDPOINT_URL_SECRETS_MANAGER: server.url }),
    seed(name: string, value?: string) {
      const secret = secrets.get(name) ?? create(name);
      if (value !== undefined) addVersion(secret, randomUUID(), value, [CURRENT]);
    },
    current(name: string) {
      const secret = secrets.get(name);
      return secret && holder(secret, CURRENT);
    },
    reset() {
      secrets.clear();
      server.clearRecords();
    },
  });
}
