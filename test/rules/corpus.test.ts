import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules';
import { canonicalise } from '../../src/rules/canonical';
import { CLOUD_ID, fill, HOSTILE, LEGITIMATE } from './corpus';

const rules = await loadRules({ ruleSets: ['jira-cloud'] }, CLOUD_ID);
const ALL_SCOPES = new Set(rules.endpoints.flatMap((e) => e.scopes.flat()));
const GRANTS: [string, ReadonlySet<string> | undefined][] = [
  ['scopes unknown', undefined],
  ['every scope granted', ALL_SCOPES],
];

const label = (s: string) => JSON.stringify(s.length > 90 ? `${s.slice(0, 90)}...` : s);

describe('hostile corpus', () => {
  it('holds at least 100 requests, each target distinct', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(100);
    expect(new Set(HOSTILE.map((h) => `${h.method} ${h.target}`)).size).toBe(HOSTILE.length);
  });

  it('is refused at the stage it names: the canonical form alone, or the rules', () => {
    const misplaced = HOSTILE.filter(
      (h) => canonicalise(fill(h.target), CLOUD_ID).ok !== (h.stage === 'rules'),
    );
    expect(misplaced.map((h) => h.why)).toEqual([]);
  });

  for (const [grant, scopes] of GRANTS) {
    describe(grant, () => {
      it.each(HOSTILE.map((h) => [h.why, h]))('refuses: %s', (_why, h) => {
        const d = rules.decide(h.method, fill(h.target), scopes);
        expect(d, `${h.method} ${label(h.target)}`).toMatchObject({ ok: false, status: h.status });
        if (!d.ok) {
          expect(d.code).toBe(h.status === 403 ? 'blocked_by_rules' : 'bad_request');
          // the message never carries control characters or the raw target back
          expect(d.message).toMatch(/^[ -~]+$/);
          expect(d.message).not.toContain(CLOUD_ID);
        }
      });
    });
  }
});

describe('legitimate corpus', () => {
  // POST-only reads need a body: test/rules/body.test.ts covers them
  const readable = rules.endpoints.filter((e) => e.methods.includes('GET'));
  it('covers every GET endpoint of the set, in both caller forms and both API versions where Jira has both', () => {
    expect(new Set(LEGITIMATE.map((l) => l.endpointId))).toEqual(new Set(readable.map((e) => e.id)));
    for (const e of readable.filter((x) => x.path.includes('{version}'))) {
      for (const v of ['2', '3']) {
        expect(LEGITIMATE.some((l) => l.endpointId === e.id && l.target.startsWith(`/rest/api/${v}/`))).toBe(
          true,
        );
        expect(LEGITIMATE.some((l) => l.endpointId === e.id && l.target.includes(`}/rest/api/${v}/`))).toBe(
          true,
        );
      }
    }
  });

  for (const [grant, scopes] of GRANTS) {
    describe(grant, () => {
      it.each(LEGITIMATE.map((l) => [`${l.method} ${l.target}`, l]))('allows %s', (_name, l) => {
        const d = rules.decide(l.method, fill(l.target), scopes);
        expect(d).toMatchObject({ ok: true, endpointId: l.endpointId });
        if (d.ok) expect(`${d.upstreamPath}${d.upstreamQuery}`).toBe(fill(l.upstream));
      });
    });
  }

  it('rebuilds an allowed request into the same canonical request (idempotence)', () => {
    for (const l of LEGITIMATE) {
      const first = rules.decide(l.method, fill(l.target), undefined);
      if (!first.ok) throw new Error(`${l.target} refused`);
      const again = rules.decide(l.method, `${first.upstreamPath}${first.upstreamQuery}`, undefined);
      expect(again).toEqual(first);
    }
  });
});

describe('the query length limit holds for what is sent upstream', () => {
  it('a query that fits once encoded goes up encoded; one more character is refused with 414', () => {
    const fits = rules.decide('GET', `/rest/api/3/search/jql?jql=${'('.repeat(2729)}`, undefined);
    expect(fits).toMatchObject({ ok: true, upstreamQuery: `?jql=${'%28'.repeat(2729)}` });
    expect(fits.ok && fits.upstreamQuery.length - 1).toBe(8191);
    const over = rules.decide('GET', `/rest/api/3/search/jql?jql=${'('.repeat(2730)}`, undefined);
    expect(over).toEqual({
      ok: false,
      status: 414,
      code: 'bad_request',
      message: 'the query string is longer than 8192 once encoded for Jira',
    });
  });

  it('8,000 raw "(" pass the raw limit but would go upstream as 24 KB: refused', () => {
    const target = `/rest/api/3/search/jql?jql=${'('.repeat(8000)}`;
    expect(canonicalise(target, CLOUD_ID).ok).toBe(true);
    expect(rules.decide('GET', target, undefined)).toMatchObject({ ok: false, status: 414 });
  });
});
