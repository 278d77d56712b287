import { FILE_STORE, type StoreLoaders } from './open';

/** The stores of the Lambda bundle. */
export const AWS_STORES: StoreLoaders = {
  ...FILE_STORE,
  'aws-ssm': async (config) => new (await import('./aws-ssm')).SsmStore({ kmsKeyId: config.kmsKeyId }),
  'aws-secrets-manager': async (config) =>
    new (await import('./aws-secrets-manager')).SecretsManagerStore({ kmsKeyId: config.kmsKeyId }),
};
