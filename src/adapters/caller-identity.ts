/**
 * The caller's identity as the platform verified it before the request reached the proxy, for
 * the audit line (src/audit.ts). Nothing here authenticates: the platform already did.
 */

/** The IAM principal of a SigV4-signed function URL call (`requestContext.authorizer.iam`). */
export function awsIamCaller(
  iam: { userArn?: string | null; callerId?: string | null } | null | undefined,
): string | undefined {
  return iam?.userArn || iam?.callerId || undefined;
}

/**
 * GCP: the e-mail of the Google ID token Cloud Run's front end verified for roles/run.invoker.
 * The front end takes the token from X-Serverless-Authorization when that header is present (and
 * then passes Authorization on untouched, as the caller wrote it), otherwise from Authorization.
 * The payload is decoded without a second signature check (Cloud Run may pass the token on with
 * its signature removed, `SIGNATURE_REMOVED_BY_GOOGLE`): only the header the front end verified
 * is read, and the stack never lets a call in without that check (invoker_members, no allUsers).
 */
export function googleIdTokenCaller(
  serverlessAuthorization: string | undefined,
  authorization: string | undefined,
): string | undefined {
  const header = serverlessAuthorization ?? authorization;
  const token = /^Bearer\s+([^\s]+)$/i.exec(header?.trim() ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      email?: unknown;
      sub?: unknown;
    };
    if (typeof claims.email === 'string' && claims.email) return claims.email;
    return typeof claims.sub === 'string' && claims.sub ? `sub:${claims.sub}` : undefined;
  } catch {
    return undefined;
  }
}
