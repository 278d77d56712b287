import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('has the contract defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      store: 'file',
      secretFile: '.jira-token-proxy/secrets.json',
      secretPrefix: 'PSOXY_JIRA_CLOUD_',
      authUrl: 'https://auth.atlassian.com',
      apiUrl: 'https://api.atlassian.com',
      refreshMarginSeconds: 300,
      port: 8787,
      logLevel: 'info',
      ruleSets: ['jira-cloud'],
      keepProjectNames: false,
      jiraCloudId: undefined,
    });
  });

  it.each([
    [{ JIRA_CLOUD_ID: 'not-a-uuid' }, 'JIRA_CLOUD_ID: must be the site cloud id, a UUID'],
    [
      { SECRET_STORE: 's3' },
      'SECRET_STORE: must be one of file, aws-ssm, aws-secrets-manager, gcp-secret-manager',
    ],
    [{ PORT: '70000' }, 'PORT: must be a whole number from 1 to 65535'],
    [{ REFRESH_MARGIN_SECONDS: '-1' }, 'REFRESH_MARGIN_SECONDS: must be a whole number'],
    [{ ATLASSIAN_AUTH_URL: 'ftp://example.com' }, 'ATLASSIAN_AUTH_URL: must be an http(s) URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: must be one of debug, info, warn, error, silent'],
    [{ RULE_SET: 'jira-cloud,nope' }, 'RULE_SET: must be a comma list of'],
    [{ SECRET_STORE: 'gcp-secret-manager' }, 'GCP_PROJECT: required when SECRET_STORE=gcp-secret-manager'],
    [{ SECRET_MANAGER_EMULATOR_HOST: 'http://x:1' }, 'SECRET_MANAGER_EMULATOR_HOST: must be host:port'],
    [{ RULES: 'endpoints: []', RULES_FILE: 'r.yaml' }, 'RULES_FILE: set either RULES_FILE or RULES'],
    [{ PORT: '80.5' }, 'PORT: must be a whole number from 1 to 65535'],
    [{ PORT: 'eighty' }, 'PORT: must be a whole number from 1 to 65535'],
    [{ ATLASSIAN_API_URL: 'not a url' }, 'ATLASSIAN_API_URL: must be an http(s) URL'],
    [{ RULE_SET: 'jira-cloud,' }, 'RULE_SET: must be a comma list of'],
    [{ LOCK_TTL_SECONDS: '301' }, 'LOCK_TTL_SECONDS: must be a whole number from 5 to 300'],
    [{ KEEP_PROJECT_NAMES: 'yes' }, 'KEEP_PROJECT_NAMES: must be one of true, false'],
    [{ GCP_PROJECT: 'X' }, 'GCP_PROJECT: must be a GCP project id'],
    [{ SECRET_PREFIX: 'a b' }, 'SECRET_PREFIX: must be letters, digits'],
    [
      { SECRET_STORE: 'gcp-secret-manager', GCP_PROJECT: 'my-project-1', SECRET_PREFIX: 'a/b' },
      'SECRET_PREFIX: GCP secret ids allow only letters, digits, _ and -',
    ],
  ])('rejects %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message.startsWith(message)).toBe(true);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('refuses a value that is not text (an environment built in code)', () => {
    expect(() => loadConfig({ SECRET_FILE: 5 as unknown as string })).toThrow(
      new ConfigError('SECRET_FILE: must be text'),
    );
  });

  it('reads a blank value as unset, and a default like a set value', () => {
    expect(loadConfig({ PORT: '  ', SECRET_STORE: '' })).toMatchObject({ port: 8787, store: 'file' });
    expect(loadConfig({ ATLASSIAN_AUTH_URL: 'https://auth.example.com//' }).authUrl).toBe(
      'https://auth.example.com',
    );
    expect(loadConfig({ KEEP_PROJECT_NAMES: 'true' }).keepProjectNames).toBe(true);
    expect(loadConfig({ MAX_RESPONSE_BYTES: '2048', LOCK_TTL_SECONDS: '5' })).toMatchObject({
      maxResponseBytes: 2048,
      lockTtlMs: 5000,
    });
  });

  it('normalises what it can', () => {
    const c = loadConfig({
      JIRA_CLOUD_ID: '11111111-2222-3333-4444-55555555AAAA',
      ATLASSIAN_API_URL: 'http://127.0.0.1:9/',
      LOG_LEVEL: 'DEBUG',
      RULE_SET: 'jira-cloud, jira-service-management,jira-cloud',
      GOOGLE_CLOUD_PROJECT: 'my-project-1',
    });
    expect(c.jiraCloudId).toBe('11111111-2222-3333-4444-55555555aaaa');
    expect(c.apiUrl).toBe('http://127.0.0.1:9');
    expect(c.logLevel).toBe('debug');
    expect(c.ruleSets).toEqual(['jira-cloud', 'jira-service-management']);
    expect(c.gcpProject).toBe('my-project-1');
  });
});
