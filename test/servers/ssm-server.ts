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
 * AWS Systems Manager Parameter Store on loopback: GetParameters, GetParameter, PutParameter and
 * DeleteParameter with the semantics the store relies on (ParameterAlreadyExists for an
 * `Overwrite: false` put, versions that count up and restart after a delete, fully qualified
 * path names, SecureString values that come back encrypted unless decryption is asked for).
 */

export interface SsmParameter {
  name: string;
  value: string;
  type: 'String' | 'StringList' | 'SecureString';
  version: number;
  /** KMS key of a SecureString (`alias/aws/ssm` unless one was given). */
  keyId?: string;
  tier: 'Standard' | 'Advanced';
  lastModified: Date;
}

export interface SsmServer extends AwsJsonServer {
  readonly params: Map<string, SsmParameter>;
  /** The SDK's endpoint and dummy-credential variables for this server. */
  readonly env: Record<string, string>;
  /** Seeds a parameter as an operator or Terraform would (a String unless told). */
  seed(name: string, value: string, type?: SsmParameter['type']): void;
  /** Empties the store and forgets recorded calls: a fresh backend. */
  reset(): void;
}

const NAME = /^\/?[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/;
const TYPES = new Set(['String', 'StringList', 'SecureString']);
const STANDARD_MAX = 4096;
const ADVANCED_MAX = 8192;

function validName(name: string): boolean {
  // A name in a hierarchy must be fully qualified (leading slash); "aws"/"ssm" prefixes are reserved.
  if (name.length > 1011 || !NAME.test(name)) return false;
  if (name.includes('/') && !name.startsWith('/')) return false;
  return !/^\/?(aws|ssm)/i.test(name);
}

function checkName(name: string): void {
  if (!validName(name)) {
    throw new AwsError(
      'ValidationException',
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it must be fully qualified with a leading slash.',
    );
  }
}

function notFound(): AwsError {
  return new AwsError('ParameterNotFound', 'Parameter not found.');
}

export async function startSsmServer(): Promise<SsmServer> {
  const params = new Map<string, SsmParameter>();

  const arn = (name: string) =>
    `arn:aws:ssm:us-east-1:000000000000:parameter${name.startsWith('/') ? '' : '/'}${name}`;

  const view = (p: SsmParameter, decrypt: boolean): JsonObject => ({
    Name: p.name,
    Type: p.type,
    // Without decryption a SecureString comes back as its (here: simulated) KMS ciphertext.
    Value:
      p.type === 'SecureString' && !decrypt
        ? Buffer.from(`kms:${p.keyId}:${p.value}`).toString('base64')
        : p.value,
    Version: p.version,
    LastModifiedDate: p.lastModified.getTime() / 1000,
    ARN: arn(p.name),
    DataType: 'text',
  });

  const server = await startAwsJsonServer('AmazonSSM', {
    GetParameters(input) {
      const names = input.Names;
      if (!Array.isArray(names) || names.length < 1 || names.length > 10) {
        throw new AwsError('ValidationException', 'Names must hold between 1 and 10 parameter names');
      }
      const decrypt = input.WithDecryption === true;
      const found: JsonObject[] = [];
      const invalid: string[] = [];
      for (const name of new Set(names.map(String))) {
        const p = params.get(name);
        if (p) found.push(view(p, decrypt));
        else invalid.push(name);
      }
      return { Parameters: found, InvalidParameters: invalid };
    },

    GetParameter(input) {
      const p = params.get(str(input, 'Name'));
      if (!p) throw notFound();
      return { Parameter: view(p, input.WithDecryption === true) };
    },

    PutParameter(input) {
      const name = str(input, 'Name');
      checkName(name);
      const value = str(input, 'Value');
      const existing = params.get(name);
      if (existing && input.Overwrite !== true) {
        throw new AwsError(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        );
      }
      const type = optStr(input, 'Type') ?? existing?.type;
      if (!type || !TYPES.has(type)) {
        throw new AwsError(
          'ValidationException',
          'A parameter type is required when you create a parameter.',
        );
      }
      const keyId = optStr(input, 'KeyId');
      if (keyId && type !== 'SecureString') {
        throw new AwsError('ValidationException', 'KeyId is only valid for SecureString parameters.');
      }
      const requested = optStr(input, 'Tier') ?? 'Standard';
      const size = Buffer.byteLength(value);
      let tier: SsmParameter['tier'];
      if (requested === 'Advanced' || existing?.tier === 'Advanced') tier = 'Advanced';
      else if (requested === 'Intelligent-Tiering') tier = size > STANDARD_MAX ? 'Advanced' : 'Standard';
      else tier = 'Standard';
      if (size > (tier === 'Advanced' ? ADVANCED_MAX : STANDARD_MAX)) {
        throw new AwsError('ValidationException', 'Parameter value exceeds the maximum length for its tier.');
      }
      const version = (existing?.version ?? 0) + 1;
      params.set(name, {
        name,
        value,
        type: type as SsmParameter['type'],
        version,
        keyId: type === 'SecureString' ? (keyId ?? 'alias/aws/ssm') : undefined,
        tier,
        lastModified: new Date(),
      });
      return { Version: version, Tier: tier };
    },

    DeleteParameter(input) {
      if (!params.delete(str(input, 'Name'))) throw notFound();
      return {};
    },
  });

  return Object.assign(server, {
    params,
    env: awsTestEnv({ AWS_ENDPOINT_URL_SSM: server.url }),
    seed(name: string, value: string, type: SsmParameter['type'] = 'String') {
      const version = (params.get(name)?.version ?? 0) + 1;
      const keyId = type === 'SecureString' ? 'alias/aws/ssm' : undefined;
      params.set(name, { name, value, type, version, keyId, tier: 'Standard', lastModified: new Date() });
    },
    reset() {
      params.clear();
      server.clearRecords();
    },
  });
}
