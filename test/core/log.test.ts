import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, metric, registerSecret, setLogLevel, withLogFields } from '../../src/log';

/** Captures what the real logger writes (JSON lines on stdout and stderr). */
function capture(run: () => void, streams: Record<string, string[]> = {}): string {
  const lines: string[] = [];
  const spies = (['stdout', 'stderr'] as const).map((name) =>
    vi.spyOn(process[name], 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk).trim());
      streams[name] = [...(streams[name] ?? []), String(chunk)];
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
      const l = logger;
      l.info('refreshing', {
        refresh_token: 'plain-refresh-under-a-secret-key',
        headers: { Authorization: 'Bearer abc.def.ghi', Cookie: 'session=1' },
        clientSecret: 'client-secret-value',
        note: `token was ${refresh} and ${jwt}`,
      });
      l.error('failed', { err: new Error(`upstream said Bearer zzz-token-zzz and echoed ${refresh}`) });
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

  it('redacts a line of plain values as well (its fast path skips the replacer)', () => {
    setLogLevel('debug');
    const refresh = 'rt-flat-registered-secret-0123456789';
    registerSecret(refresh);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ5IiwiZXhwIjoxfQ.c2lnbmF0dXJl';
    const out = capture(() => {
      logger.info(`flat ${refresh}`, {
        access_token: 'flat-value-under-a-secret-key',
        note: `echoed ${refresh}`,
        header: 'Bearer flat-bearer-credential',
        jwt,
        status: 401,
        ok: false,
        missing: null,
      });
    });
    for (const leak of [refresh, 'flat-value-under-a-secret-key', 'flat-bearer-credential', jwt])
      expect(out).not.toContain(leak);
    const line = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ access_token: '[REDACTED]', status: 401, ok: false, missing: null });
  });

  it('keeps ordinary fields and numbers, and writes metrics as fields', () => {
    setLogLevel('info');
    const out = capture(() => {
      metric('tokenFamilyDaysLeft', 42);
      logger.info('request', { status: 200, endpoint: 'users' });
    });
    const lines = out.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.metric === 'tokenFamilyDaysLeft')?.value).toBe(42);
    expect(lines.find((l) => l.message === 'request')).toMatchObject({ status: 200, endpoint: 'users' });
  });

  it('writes one JSON line per entry: level for CloudWatch, severity for Cloud Logging', () => {
    setLogLevel('info');
    const streams: Record<string, string[]> = {};
    capture(() => {
      logger.debug('not at info');
      logger.info('an info', { n: 1 });
      logger.warn('a warning');
      logger.error('an error');
    }, streams);
    const parse = (chunks: string[] = []) =>
      chunks.map((c) => {
        expect(c.endsWith('\n') && !c.slice(0, -1).includes('\n')).toBe(true);
        return JSON.parse(c) as Record<string, unknown>;
      });
    expect(parse(streams.stdout)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        severity: 'INFO',
        message: 'an info',
        n: 1,
        service: 'jira-token-proxy',
      }),
    ]);
    expect(parse(streams.stderr).map((l) => [l.level, l.severity])).toEqual([
      ['WARN', 'WARNING'],
      ['ERROR', 'ERROR'],
    ]);
    expect(Date.parse(String(parse(streams.stdout)[0]?.timestamp))).not.toBeNaN();
  });

  it('writes an error with its name, code and causes, and nothing it holds', () => {
    setLogLevel('error');
    const cause = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ECONNREFUSED',
      socket: { fd: 3 },
      $metadata: { requestId: 'aws-req-1', attempts: 3 },
    });
    const out = capture(() => logger.error('store failed', { err: new Error('read failed', { cause }) }));
    const line = JSON.parse(out) as { err: Record<string, unknown> & { cause: Record<string, unknown> } };
    expect(line.err).toMatchObject({ name: 'Error', message: 'read failed' });
    expect(line.err.cause).toMatchObject({
      message: 'connect ECONNREFUSED',
      errorCode: 'ECONNREFUSED',
      $metadata: { requestId: 'aws-req-1', attempts: 3 },
    });
    expect(out).not.toContain('socket');
  });

  it('still writes the line when a field cannot be serialized', () => {
    setLogLevel('info');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const out = capture(() => logger.info('with a loop', { loop }));
    expect(JSON.parse(out)).toMatchObject({ message: 'with a loop', logError: expect.any(String) });
  });

  it('adds the invocation fields to every line inside it, across awaits', async () => {
    setLogLevel('info');
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await withLogFields({ function_request_id: 'req-1' }, async () => {
        await new Promise((r) => setImmediate(r));
        logger.info('inside');
      });
      logger.info('outside');
    } finally {
      spy.mockRestore();
    }
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside?.function_request_id).toBe('req-1');
    expect(outside?.function_request_id).toBeUndefined();
  });

  it('keeps metrics at any level but silent', () => {
    setLogLevel('error');
    expect(capture(() => metric('tokenRefresh', 1))).toContain('"metric":"tokenRefresh"');
    setLogLevel('silent');
    expect(capture(() => metric('tokenRefresh', 1))).toBe('');
  });
});
