export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface SandboxSite {
  id: string;
  url: string;
  name: string;
}

/**
 * The default OAuth app. Besides the exact URIs listed, it accepts any plain-http loopback
 * callback (`http://localhost[:port][/path]`, `http://127.0.0.1[:port][/path]`), as a developer
 * console app with a localhost callback would, so CLIs can pick a free port.
 */
export const SANDBOX_CLIENT: {
  clientId: 'sandbox-client-id';
  clientSecret: 'sandbox-client-secret';
  redirectUris: string[];
} = {
  clientId: 'sandbox-client-id',
  clientSecret: 'sandbox-client-secret',
  redirectUris: ['http://localhost:8080/callback', 'http://localhost'],
};

export const SANDBOX_SITE: { id: string; url: 'https://sandbox.atlassian.net'; name: 'sandbox' } = {
  id: '6f1c2b7e-4d3a-4e58-9b0f-3a7d51c8e296',
  url: 'https://sandbox.atlassian.net',
  name: 'sandbox',
};

/** The scopes the Psoxy Jira Cloud guide asks for, plus offline_access (no refresh token without it). */
export const PSOXY_SCOPES: string[] = [
  'read:jira-user',
  'read:jira-work',
  'read:group:jira',
  'read:avatar:jira',
  'read:user:jira',
  'read:account',
  'offline_access',
];

/**
 * Jira Software's granular scopes for boards, sprints and their issues (it has no classic ones):
 * what `bootstrap --scopes` adds for the `jira-software` rule set, and what sandbox mode grants.
 */
export const JIRA_SOFTWARE_SCOPES: string[] = [
  'read:board-scope:jira-software',
  'read:project:jira',
  'read:sprint:jira-software',
  'read:issue-details:jira',
  'read:jql:jira',
];

/** Loopback callbacks are allowed for the default client only; any other client needs an exact match. */
export function redirectAllowed(client: SandboxClient, redirectUri: string): boolean {
  if (client.redirectUris.includes(redirectUri)) return true;
  if (client.clientId !== SANDBOX_CLIENT.clientId) return false;
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '127.0.0.1') &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash
  );
}
