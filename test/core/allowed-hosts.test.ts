import { describe, expect, it } from 'vitest';
import { hostChecker } from '../../src/adapters/host-check';
import { loadConfig } from '../../src/config';

describe('ALLOWED_HOSTS', () => {
  it('is a lower-cased comma list of host names, empty by default', () => {
    expect(loadConfig({}).allowedHosts).toEqual([]);
    expect(loadConfig({ ALLOWED_HOSTS: ' Proxy.Internal, 10.0.0.5 ,[fd00::1]' }).allowedHosts).toEqual([
      'proxy.internal',
      '10.0.0.5',
      '[fd00::1]',
    ]);
  });

  it.each([['proxy.internal:8787'], ['http://proxy.internal'], ['a b']])(
    'refuses %s, naming the variable',
    (v) => {
      expect(() => loadConfig({ ALLOWED_HOSTS: v })).toThrow(
        /^ALLOWED_HOSTS: must be a comma list of host names/,
      );
    },
  );

  it('lets loopback names and the listed names through, and refuses the rest with 421', () => {
    const check = hostChecker(['proxy.internal', '[fd00::1]']);
    for (const host of [
      'localhost:8787',
      '127.0.0.5',
      '[::1]:1',
      'a.localhost',
      'PROXY.internal:80',
      '[fd00::1]:8787',
    ])
      expect(() => check(host), host).not.toThrow();
    for (const host of ['proxy.internal.evil.example', 'localhost.evil.example', '[fd00::2]', '0.0.0.0:8787'])
      expect(() => check(host), host).toThrow(
        expect.objectContaining({ code: 'misdirected_request', status: 421 }),
      );
    // HTTP/1.0 without Host: nothing to rebind (node:http refuses HTTP/1.1 without one).
    expect(() => check(undefined)).not.toThrow();
  });
});
