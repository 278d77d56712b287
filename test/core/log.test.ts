import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, metric, registerSecret, setLogLevel } from '../../src/log';

/** Captures what the real logger writes (Powertools prints through its own Console on stdout/stderr). */
function capture(run: () => void): string {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk).trim());
      return true;
    }),
  );
  try {
    run();
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return lines.filter(Boolean).join('\n');
}

afterEach(() => setLogLevel('silent'));

describe('log redaction', () => {
  it('never prints a token, secret, Authorization header or registered secret value', () => {
    setLogLevel('debug');
    const refresh = 'rt-registered-secret-value-0123456789';
    registerSecret(refresh);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwiZXhwIjoxfQ.c2lnbmF0dXJl';
    const out = capture(() => {
      const l = logger.createChild();
      l.info('refreshing', {
        refresh_token: 'plain-refresh-under-a-secret-key',
        headers: { Authorization: 'Bearer abc.def.ghi', Cookie: 'session=1' },
        clientSecret: 'client-secret-value',
        note: `token was ${refresh} and ${jwt}`,
      });
      l.error('failed', new Error(`upstream said Bearer zzz-token-zzz and echoed ${refresh}`));
      l.warn(`message text with ${refresh}`);
    });
    expect(out).toContain('refreshing');
    for (const leak of [
      refresh,
      'plain-refresh-under-a-secret-key',
      'abc.def.ghi',
      'session=1',
      'client-secret-value',
      jwt,
      'zzz-token-zzz',
    ]) {
      expect(out).not.toContain(leak);
    }
    expect(out).toContain('[REDACTED]');
  });

  it('keeps ordinary fields and numbers, and writes metrics as fields', () => {
    setLogLevel('info');
    const out = capture(() => {
      metric('tokenFamilyDaysLeft', 42);
      logger.createChild().info('request', { status: 200, endpoint: 'users' });
    });
    const lines = out.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.metric === 'tokenFamilyDaysLeft')?.value).toBe(42);
    expect(lines.find((l) => l.message === 'request')).toMatchObject({ status: 200, endpoint: 'users' });
  });
});
