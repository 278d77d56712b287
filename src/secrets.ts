/** The secret names of the contract: SECRET_PREFIX + suffix, the same in every store. */

export const SECRET_SUFFIXES = [
  'CLIENT_ID',
  'CLIENT_SECRET',
  'REFRESH_TOKEN',
  'ACCESS_TOKEN',
  'TOKEN_FAMILY',
  'SALT',
  'LOCK',
] as const;
export type SecretSuffix = (typeof SECRET_SUFFIXES)[number];

export type SecretNames = Record<SecretSuffix, string>;

export function secretNames(prefix: string): SecretNames {
  return Object.fromEntries(SECRET_SUFFIXES.map((s) => [s, prefix + s])) as SecretNames;
}
