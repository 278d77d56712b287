import { compileTransform } from '../src/transforms';
import { JIRA_CLOUD_TRANSFORMS } from '../src/transforms/jira-cloud';
import { startBenchProxy } from './setup';

/** Pseudonymization throughput on a 100-issue search/jql page served by the sandbox. */
export async function benchTransform(): Promise<{
  mbPerSecond: number;
  floorMbPerSecond: number;
  /** Median of the rounds' own floor / transform time. */
  ratio: number;
  pageBytes: number;
}> {
  const p = await startBenchProxy();
  try {
    const fields = 'summary,description,status,created,updated,reporter,assignee,creator,comment,worklog';
    const res = await fetch(
      `${p.directUrl}/rest/api/3/search/jql?jql=order%20by%20created&maxResults=100&fields=${fields}`,
      {
        headers: { authorization: `Bearer ${await p.accessToken()}` },
      },
    );
    const text = await res.text();
    if (!res.ok) throw new Error(`search/jql answered ${res.status}`);
    const transform = compileTransform(JIRA_CLOUD_TRANSFORMS['search-jql']);
    const pageBytes = Buffer.byteLength(text);
    // Parse and serialise are part of the cost the proxy pays per page; they alone are the floor.
    const rate = (once: () => string) => {
      let runs = 0;
      const started = performance.now();
      while (performance.now() - started < 500) {
        once();
        runs++;
      }
      return (pageBytes * runs) / ((performance.now() - started) / 1000) / 1e6;
    };
    const floor = () => JSON.stringify(JSON.parse(text));
    const ours = () => JSON.stringify(transform.apply(JSON.parse(text), 'bench-salt'));
    for (let i = 0; i < 20; i++) {
      floor();
      ours();
    }
    // Short alternating rounds, each compared with its own floor: the machine's speed drifts.
    const rounds = Array.from({ length: 8 }, () => ({ floor: rate(floor), ours: rate(ours) }));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    return {
      mbPerSecond: median(rounds.map((r) => r.ours)),
      floorMbPerSecond: median(rounds.map((r) => r.floor)),
      ratio: median(rounds.map((r) => r.floor / r.ours)),
      pageBytes,
    };
  } finally {
    await p.close();
  }
}
