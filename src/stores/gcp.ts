import { secretNames } from '../secrets';
import { FILE_STORE, type StoreLoaders } from './open';

/** The stores of the Cloud Function bundle. */
export const GCP_STORES: StoreLoaders = {
  ...FILE_STORE,
  'gcp-secret-manager': async (config) =>
    new (await import('./gcp-secret-manager')).GcpSecretManagerStore({
      // loadConfig guarantees a project for this store.
      project: config.gcpProject as string,
      emulatorHost: config.secretManagerEmulatorHost,
      // Read with one `secrets.get` from the first read on: the lock's lease is in its annotations.
      locks: [secretNames(config.secretPrefix).LOCK],
    }),
};
