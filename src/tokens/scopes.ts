/** The scopes the Psoxy Jira Cloud guide asks for, plus offline_access (no refresh token without it). */
export const DEFAULT_SCOPES = [
  'read:jira-user',
  'read:jira-work',
  'read:group:jira',
  'read:avatar:jira',
  'read:user:jira',
  'read:account',
  'offline_access',
] as const;

export function authorizeUrl(o: {
  authUrl: string;
  clientId: string;
  scopes: readonly string[];
  redirectUri: string;
  state: string;
}): string {
  const q = new URLSearchParams({
    audience: 'api.atlassian.com',
    client_id: o.clientId,
    scope: o.scopes.join(' '),
    redirect_uri: o.redirectUri,
    state: o.state,
    response_type: 'code',
    prompt: 'consent',
  });
  return `${o.authUrl}/authorize?${q.toString().replaceAll('+', '%20')}`;
}
