import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../config';

/**
 * Why a file store holds nothing, when the file itself says so: it does not exist, or is empty.
 * Usually SECRET_FILE names the wrong file (a sandbox's, which the sandbox removes when it
 * stops), so "run bootstrap" alone would send the operator the wrong way.
 */
export async function emptyStoreFile(config: Config): Promise<string | undefined> {
  if (config.store !== 'file') return undefined;
  const file = resolve(config.secretFile);
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size !== undefined && size > 0) return undefined;
  return (
    `the store file ${file} ${size === undefined ? 'does not exist' : 'is empty'}: check SECRET_FILE ` +
    '(a sandbox removes its own sandbox-<port>-secrets.json when it stops), or run `npx jira-token-proxy bootstrap` to fill it'
  );
}
