import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEmailAddress } from '../../src/transforms/email';
import { pseudonymize } from '../../src/transforms/pseudonym';

const SALT = 'unit-test-salt-7f3a';

// The algorithm written out independently: t~ + base64url-no-pad(SHA-256(UTF-8(text + salt))).
function token(text: string, salt = SALT): string {
  const digest = createHash('sha256')
    .update(Buffer.from(text + salt, 'utf8'))
    .digest();
  return `t~${digest.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

describe('pseudonymize', () => {
  it('hashes an account id as is, 43 url-safe characters after t~', () => {
    const id = '5d8e1f2a3b4c5d6e7f8a9b0c';
    const result = pseudonymize(id, SALT);
    expect(result).toBe(token(id));
    expect(result).toMatch(/^t~[A-Za-z0-9_-]{43}$/);
  });

  it('is stable across calls and sensitive to the salt', () => {
    const id = '712020:0f6e2d4c-1b3a-4c5d-9e8f-7a6b5c4d3e2f';
    expect(pseudonymize(id, SALT)).toBe(pseudonymize(id, SALT));
    expect(pseudonymize(id, SALT)).not.toBe(pseudonymize(id, `${SALT}x`));
    expect(pseudonymize(id, 'a')).toBe(token(id, 'a'));
  });

  it('hashes numbers as their text', () => {
    expect(pseudonymize(10042, SALT)).toBe(pseudonymize('10042', SALT));
    expect(pseudonymize(0, SALT)).toBe(token('0'));
    expect(pseudonymize(-7, SALT)).toBe(token('-7'));
  });

  it.each([null, undefined, '', ' ', '   ', '\t\n', '\r\n \f'])('gives null for %j', (value) => {
    expect(pseudonymize(value, SALT)).toBeNull();
  });

  it('does not count a no-break space as blank, as Java does not', () => {
    expect(pseudonymize('\u00a0', SALT)).toBe(token('\u00a0'));
  });

  it.each([
    ['ana.ruiz@acme.example', 'ana.ruiz@acme.example', 'acme.example'],
    ['Ana.Ruiz@ACME.example', 'ana.ruiz@acme.example', 'ACME.example'],
    ['ana.ruiz+jira@acme.example', 'ana.ruiz@acme.example', 'acme.example'],
    ['Ana.Ruiz+Tag+More@Acme.Example', 'ana.ruiz@acme.example', 'Acme.Example'],
    ['bo@intranet', 'bo@intranet', 'intranet'],
    ['Ana Ruiz <Ana.Ruiz+x@Acme.Example>', 'ana.ruiz@acme.example', 'Acme.Example'],
    ['"Ruiz, Ana" <ana.ruiz@acme.example>', 'ana.ruiz@acme.example', 'acme.example'],
    ['  ana.ruiz@acme.example ', 'ana.ruiz@acme.example', 'acme.example'],
  ])('canonicalises the email %j', (input, canonical, domain) => {
    expect(pseudonymize(input, SALT)).toBe(`${token(canonical)}@${domain}`);
  });

  it('keeps dots in the local part (strict, not IGNORE_DOTS)', () => {
    expect(pseudonymize('anaruiz@acme.example', SALT)).not.toBe(pseudonymize('ana.ruiz@acme.example', SALT));
  });

  it('gives one mailbox one token however it is written, domain suffix aside', () => {
    const hash = (v: string) => pseudonymize(v, SALT)?.split('@')[0];
    expect(hash('ANA.RUIZ+x@acme.EXAMPLE')).toBe(hash('ana.ruiz@acme.example'));
  });

  it.each([
    '712020:0f6e2d4c-1b3a-4c5d-9e8f-7a6b5c4d3e2f',
    'JIRAUSER10000',
    'qm:0f6e2d4c:1b3a',
    'ana ruiz@acme.example',
    'ana@acme.example:8080',
    '@acme.example',
    'ana@',
    'ana..ruiz@acme.example',
    'a@b@c.example',
    'Ana <ana@acme.example',
  ])('hashes the non-email %j as written', (input) => {
    expect(pseudonymize(input, SALT)).toBe(token(input));
  });

  it.each([[{ accountId: 'x' }], [['x']], [true]])('refuses a non-scalar %j without echoing it', (value) => {
    expect(() => pseudonymize(value, SALT)).toThrow(
      /^only strings and numbers can be pseudonymized, not an? \w+$/,
    );
  });
});

describe('parseEmailAddress', () => {
  it('returns the local part and the domain as written', () => {
    expect(parseEmailAddress('Ana Ruiz <Ana.Ruiz@Acme.Example>')).toEqual({
      local: 'Ana.Ruiz',
      domain: 'Acme.Example',
    });
    expect(parseEmailAddress('"ana ruiz"@acme.example')).toEqual({
      local: '"ana ruiz"',
      domain: 'acme.example',
    });
    expect(parseEmailAddress('ana@[192.0.2.1]')).toEqual({ local: 'ana', domain: '[192.0.2.1]' });
  });

  it('rejects account ids and text that merely contains an @', () => {
    expect(parseEmailAddress('5d8e1f2a3b4c5d6e7f8a9b0c')).toBeNull();
    expect(parseEmailAddress('ping @ana about it')).toBeNull();
  });
});
