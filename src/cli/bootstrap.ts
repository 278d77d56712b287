import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config';
import { secretNames } from '../secrets';
import { createStore } from '../stores';
import { TokenClient } from '../tokens/atlassian';
import { BootstrapError, installFamily } from '../tokens/bootstrap';
import { authorizeUrl, DEFAULT_SCOPES } from '../tokens/scopes';
import { createPrompter, type Prompter } from './prompt';
import { isLoopbackRedirect, listenForRedirect } from './redirect-listener';

/**
 * `bootstrap`: the annual token-family bootstrap, one guided command. Asks only for what neither
 * the flags nor the store provide; nothing is written until the new family is complete.
 */
export interface BootstrapFlags {
  clientId?: string;
  clientSecret?: string;
  code?: string;
  redirectedUrl?: string;
  redirectUri: string;
  cloudId?: string;
  scopes?: string;
}

export async function bootstrap(flags: BootstrapFlags): Promise<void> {
  const config = loadConfig();
  const store = await createStore(config);
  const names = secretNames(config.secretPrefix);
  let prompter: Prompter | undefined;
  const ask = () => {
    prompter ??= createPrompter();
    return prompter;
  };
  try {
    const stored = await store.read([names.CLIENT_ID, names.CLIENT_SECRET]).catch((err: Error) => {
      throw new BootstrapError(
        `cannot read the store (${err.message}); check SECRET_STORE and its credentials.`,
      );
    });
    const clientId =
      flags.clientId ?? stored.get(names.CLIENT_ID)?.value ?? (await ask().ask('Atlassian app client id:'));
    const clientSecret =
      flags.clientSecret ??
      stored.get(names.CLIENT_SECRET)?.value ??
      (await ask().secret('Atlassian app client secret:'));
    if (!clientId || !clientSecret)
      throw new BootstrapError('a client id and secret are required: pass --client-id and --client-secret.');
    const scopes = flags.scopes ? flags.scopes.split(/\s+/).filter(Boolean) : [...DEFAULT_SCOPES];
    if (!scopes.includes('offline_access')) {
      throw new BootstrapError('--scopes must include offline_access, or Atlassian issues no refresh token.');
    }

    const interactive = flags.code === undefined && flags.redirectedUrl === undefined;
    const code =
      flags.code ??
      codeFrom(flags.redirectedUrl, undefined) ??
      (await consent(config.authUrl, clientId, scopes, flags.redirectUri, ask));

    const family = await installFamily({
      store,
      names,
      tokenClient: new TokenClient(config.authUrl),
      apiUrl: config.apiUrl,
      credentials: { clientId, clientSecret },
      code,
      redirectUri: flags.redirectUri,
      cloudId: flags.cloudId,
      requestedScopes: scopes,
      lockTtlMs: config.lockTtlMs,
      // Only a run that asks questions picks a site; a scripted one must say --cloud-id.
      chooseSite: interactive
        ? (sites) =>
            ask().choose(
              'The grant reaches several Jira sites; which one should the proxy serve?',
              sites.map((s) => ({ name: `${s.name} ${s.url} (${s.id})`, value: s.id })),
            )
        : undefined,
    });
    console.log(`Token family installed in ${store.description}`);
    console.log(`  site:     ${family.site.url} (cloud id ${family.site.id})`);
    console.log(`  scopes:   ${family.scopes.join(' ')}`);
    console.log(`  checked:  /rest/api/3/myself answered for account ${family.accountId ?? '(unknown)'}`);
    console.log(
      `  expires:  ${family.expiresAt.slice(0, 10)} (365 days after ${family.bootstrappedAt.slice(0, 10)}); bootstrap again before then`,
    );
    if (family.missingScopes.length) {
      console.warn(
        `warning: Atlassian did not grant ${family.missingScopes.join(' ')}; add them to the app's permissions and bootstrap again, or the endpoints needing them stay blocked.`,
      );
    }
    if (config.jiraCloudId && config.jiraCloudId !== family.site.id) {
      console.warn(
        `warning: JIRA_CLOUD_ID is ${config.jiraCloudId}, but the new family is for ${family.site.id}; update it.`,
      );
    }
  } finally {
    prompter?.close();
    await store.close?.();
  }
}

/** The redirect URI every guide registers; the one to suggest when the default cannot listen. */
const SUGGESTED_REDIRECT = 'http://localhost:8080/callback';

/** Prints the authorize URL, then takes the redirect from the loopback listener or a pasted URL. */
async function consent(
  authUrl: string,
  clientId: string,
  scopes: string[],
  redirectUri: string,
  ask: () => Prompter,
): Promise<string> {
  const state = randomBytes(16).toString('base64url');
  const url = authorizeUrl({ authUrl, clientId, scopes, redirectUri, state });
  const listener = isLoopbackRedirect(redirectUri)
    ? await listenForRedirect(redirectUri, state).catch((err: Error) => {
        const instead =
          redirectUri === SUGGESTED_REDIRECT
            ? 'free the port and run again'
            : `run again with --redirect-uri ${SUGGESTED_REDIRECT} (registered as a callback URL in the Atlassian app)`;
        process.stderr.write(
          `Cannot catch the redirect on ${redirectUri}: ${err.message}. Paste the redirected URL below, or ${instead}.\n`,
        );
        return undefined;
      })
    : undefined;
  process.stderr.write(
    `\nOpen this URL in a browser, sign in as the account the proxy should act as, and Accept:\n\n  ${url}\n\n`,
  );
  if (listener) process.stderr.write(`Waiting for the browser to come back to ${redirectUri} ...\n`);
  const pasted = new AbortController();
  try {
    const redirected = await Promise.race([
      ...(listener ? [listener.redirected.then((u) => u.toString())] : []),
      askForRedirect(ask, state, pasted.signal),
    ]);
    return codeFrom(redirected, state) as string;
  } finally {
    pasted.abort(new Error('redirect received'));
    listener?.close();
  }
}

/** Asks for the redirected URL until one is whole: a cut-off paste is said, then asked again. */
async function askForRedirect(ask: () => Prompter, state: string, signal: AbortSignal): Promise<string> {
  for (;;) {
    const answer = await ask().ask('Or paste the URL the browser was redirected to:', signal);
    const problem = incomplete(answer, state);
    if (!problem) return answer;
    process.stderr.write(`${problem}; paste the whole address from the browser's address bar.\n`);
  }
}

/** Why a pasted redirect cannot be the whole URL, if it cannot. */
function incomplete(pasted: string, state: string): string | undefined {
  let url: URL;
  try {
    url = new URL(pasted.trim());
  } catch {
    return 'That is not a URL';
  }
  if (url.searchParams.has('error')) return undefined;
  const got = url.searchParams.get('state');
  if (!url.searchParams.get('code')) return 'That URL has no code: it looks cut off';
  // A state that is the start of ours is ours, cut short; any other is another run's.
  if (!got || (got.length < state.length && state.startsWith(got)))
    return "That URL's state is cut short: it looks cut off";
  return undefined;
}

/** The code from a redirected URL; every failure is one line saying what to do. */
function codeFrom(redirected: string | undefined, state: string | undefined): string | undefined {
  if (redirected === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(redirected.trim());
  } catch {
    throw new BootstrapError('that is not a URL: paste the whole address the browser shows after Accept.');
  }
  const error = url.searchParams.get('error');
  if (error === 'access_denied') {
    throw new BootstrapError('consent was declined (access_denied): run bootstrap again and choose Accept.');
  }
  if (error)
    throw new BootstrapError(
      `Atlassian refused the authorization (${error}): check the app's callback URL and scopes.`,
    );
  if (state !== undefined && url.searchParams.get('state') !== state) {
    throw new BootstrapError(
      'the redirect does not belong to this bootstrap (state mismatch): use the URL this run printed.',
    );
  }
  const code = url.searchParams.get('code');
  if (!code) throw new BootstrapError('the redirected URL has no code: paste the address from after Accept.');
  return code;
}
