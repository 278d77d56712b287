import { describe, expect, it } from 'vitest';
import { awsIamCaller, googleIdTokenCaller } from '../../src/adapters/caller-identity';
import { frontEndClientAddress } from '../../src/adapters/client-address';
import { callerNetworks, parseCidr } from '../../src/caller-networks';
import { ConfigError, loadConfig } from '../../src/config';

describe('ALLOWED_CALLER_IP_RANGES', () => {
  it('is empty (no restriction) and auditing on by default', () => {
    expect(loadConfig({})).toMatchObject({ allowedCallerIpRanges: [], auditLog: true });
    expect(loadConfig({ AUDIT_LOG: 'OFF' }).auditLog).toBe(false);
  });

  it.each([
    ['10.0.0.0/8,nope', '"nope" is not a CIDR range'],
    ['10.0.0.1', '"10.0.0.1" is not a CIDR range'],
    ['10.0.0.0/33', '"10.0.0.0/33" is not a CIDR range'],
    ['2001:db8::/129', '"2001:db8::/129" is not a CIDR range'],
    ['300.0.0.0/8', '"300.0.0.0/8" is not a CIDR range'],
  ])('refuses %s in one line naming the variable and the range', (value, message) => {
    const load = () => loadConfig({ ALLOWED_CALLER_IP_RANGES: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`ALLOWED_CALLER_IP_RANGES: ${message}`);
    try {
      load();
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('refuses an AUDIT_LOG that is neither on nor off', () => {
    expect(() => loadConfig({ AUDIT_LOG: 'yes' })).toThrow('AUDIT_LOG: must be one of on, off');
  });

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses; nothing else', () => {
    const ranges = loadConfig({
      ALLOWED_CALLER_IP_RANGES: ' 203.0.113.0/24 , 2001:db8::/32',
    }).allowedCallerIpRanges;
    const allowed = callerNetworks(ranges);
    for (const ip of [
      '203.0.113.0',
      '203.0.113.255',
      '::ffff:203.0.113.7',
      '2001:db8::1',
      '2001:db8:ffff::1',
    ])
      expect(allowed(ip), ip).toBe(true);
    for (const ip of [
      '203.0.114.1',
      '::ffff:203.0.114.1',
      '2001:db9::1',
      '',
      'localhost',
      '203.0.113.7:443',
      undefined,
    ])
      expect(allowed(ip), String(ip)).toBe(false);
    expect(parseCidr('0.0.0.0/0')).toEqual({ address: '0.0.0.0', prefix: 0, family: 'ipv4' });
  });
});

describe('client address and caller identity', () => {
  it("takes Google's appended (last) X-Forwarded-For entry, and the socket only without the header", () => {
    expect(frontEndClientAddress('10.0.0.1, 203.0.113.9', '169.254.1.1')).toBe('203.0.113.9');
    expect(frontEndClientAddress(['10.0.0.1', '2001:db8::9'], '169.254.1.1')).toBe('2001:db8::9');
    expect(frontEndClientAddress('10.0.0.1, not-an-ip', '169.254.1.1')).toBeUndefined();
    expect(frontEndClientAddress(undefined, '127.0.0.1')).toBe('127.0.0.1');
  });

  it('names the IAM principal, or its caller id', () => {
    expect(awsIamCaller({ userArn: 'arn:aws:sts::1:assumed-role/r/s', callerId: 'AROA:s' })).toBe(
      'arn:aws:sts::1:assumed-role/r/s',
    );
    expect(awsIamCaller({ userArn: null, callerId: 'AROA:s' })).toBe('AROA:s');
    expect(awsIamCaller(undefined)).toBeUndefined();
  });

  it('reads the e-mail of a Google ID token without its signature, and nothing from a non-JWT', () => {
    const jwt = (claims: object) =>
      `Bearer e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.SIGNATURE_REMOVED_BY_GOOGLE`;
    expect(googleIdTokenCaller(undefined, jwt({ email: 'a@b.iam.gserviceaccount.com' }))).toBe(
      'a@b.iam.gserviceaccount.com',
    );
    expect(googleIdTokenCaller(jwt({ email: 'checked@x' }), jwt({ email: 'forged@x' }))).toBe('checked@x');
    expect(googleIdTokenCaller(undefined, jwt({ sub: '42' }))).toBe('sub:42');
    expect(googleIdTokenCaller(undefined, 'Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(googleIdTokenCaller(undefined, 'Bearer a.%%%.c')).toBeUndefined();
    expect(googleIdTokenCaller(undefined, undefined)).toBeUndefined();
  });
});
