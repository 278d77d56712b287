import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { USER_AGENT } from '../../src/forward';

/** One version number for the project: package.json's, in the changelog, the upgrade notes and the User-Agent. */

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('the project version', () => {
  it('is the same in package.json, package-lock.json, CHANGELOG.md, the upgrade notes and the User-Agent', () => {
    const { version } = pkg;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const lock = JSON.parse(read('package-lock.json')) as {
      version: string;
      packages: Record<string, { version: string }>;
    };
    expect([lock.version, lock.packages['']?.version]).toEqual([version, version]);
    expect(/^## (\S+)/m.exec(read('CHANGELOG.md'))?.[1]).toBe(version);
    const [major, minor] = version.split('.');
    expect(read('docs/OPERATORS.md')).toContain(`### Upgrading from a stack before ${major}.${minor}`);
    expect(USER_AGENT).toBe(`jira-token-proxy/${version}`);
  });

  it('states one Node version for running the project, and the cloud runtimes', () => {
    const engines = pkg.engines.node;
    expect(engines).toBe('>=20.18');
    for (const doc of ['README.md', 'docs/OPERATORS.md'])
      expect(read(doc), doc).toContain('Node 20.18 or later');
    for (const doc of ['README.md', 'docs/OPERATORS.md', 'docs/ARCHITECTURE.md', 'docs/runbook-bootstrap.md'])
      expect(read(doc), doc).not.toMatch(/Node 20\+|Node 20\.18\+|Node 18/);
  });
});
