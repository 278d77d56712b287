import { type Config, ConfigError, type StoreKind } from '../config';
import type { SecretStore } from './store';

/**
 * The stores an entry point can open, each behind a dynamic import: the build splits every store
 * (and its SDK) into its own chunk, loaded only when SECRET_STORE selects it. A function bundle
 * lists only its own cloud's stores, so the other cloud's SDK is not in its zip at all.
 */
export type StoreLoaders = Partial<Record<StoreKind, (config: Config) => Promise<SecretStore>>>;

export const FILE_STORE: StoreLoaders = {
  file: async (config) => new (await import('./file')).FileStore({ path: config.secretFile }),
};

export function openStore(config: Config, loaders: StoreLoaders): Promise<SecretStore> {
  const load = loaders[config.store];
  if (!load) {
    const offered = Object.keys(loaders).join(', ');
    throw new ConfigError(
      `SECRET_STORE: ${config.store} is not in this build (it offers ${offered}); deploy the bundle for its cloud or use another store`,
    );
  }
  return load(config);
}
