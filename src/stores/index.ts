import type { Config } from '../config';
import { AWS_STORES } from './aws';
import { GCP_STORES } from './gcp';
import { openStore } from './open';
import type { SecretStore } from './store';

/** Every store, for the CLI and `serve`: the store selected by SECRET_STORE, its SDK loaded only then. */
export const ALL_STORES = { ...AWS_STORES, ...GCP_STORES };

export function createStore(config: Config): Promise<SecretStore> {
  return openStore(config, ALL_STORES);
}
