import type { Config } from '../config';
import type { SecretStore } from './store';

/** The store selected by SECRET_STORE; each SDK is loaded only when its store is chosen. */
export async function createStore(config: Config): Promise<SecretStore> {
  switch (config.store) {
    case 'file': {
      const { FileStore } = await import('./file');
      return new FileStore({ path: config.secretFile });
    }
    case 'aws-ssm': {
      const { SsmStore } = await import('./aws-ssm');
      return new SsmStore({ kmsKeyId: config.kmsKeyId });
    }
    case 'aws-secrets-manager': {
      const { SecretsManagerStore } = await import('./aws-secrets-manager');
      return new SecretsManagerStore({ kmsKeyId: config.kmsKeyId });
    }
    case 'gcp-secret-manager': {
      const { GcpSecretManagerStore } = await import('./gcp-secret-manager');
      // loadConfig guarantees a project for this store.
      return new GcpSecretManagerStore({
        project: config.gcpProject as string,
        emulatorHost: config.secretManagerEmulatorHost,
      });
    }
  }
}
