/** The secret names of the contract: SECRET_PREFIX + suffix, the same in every store. */

/** The secrets the infra creates (and grants) for the proxy. */
export const SECRET_SUFFIXES = [
  'CLIENT_ID',
  'CLIENT_SECRET',
  'REFRESH_TOKEN',
  'ACCESS_TOKEN',
  'TOKEN_FAMILY',
  'SALT',
  'LOCK',
  // The outcome of the last refresh attempt, shared by every instance and `status`
  // (src/tokens/outcome.ts). Written by the proxy; holds no secret.
  'REFRESH_OUTCOME',
] as const;
export type SecretSuffix = (typeof SECRET_SUFFIXES)[number];

export type SecretNames = Record<SecretSuffix, string>;

export function secretNames(prefix: string): SecretNames {
  return Object.fromEntries(SECRET_SUFFIXES.map((s) => [s, prefix + s])) as SecretNames;
}
