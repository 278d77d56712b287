import { compileTransform } from '../src/transforms';
import { JIRA_CLOUD_TRANSFORMS } from '../src/transforms/jira-cloud';
import { startBenchProxy } from './setup';

/** Pseudonymization throughput on a 100-issue search/jql page served by the sandbox. */
export async function benchTransform(): Promise<{
  mbPerSecond: number;
  floorMbPerSecond: number;
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
      for (let i = 0; i < 20; i++) once();
      let runs = 0;
      const started = performance.now();
      while (performance.now() - started < 2000) {
        once();
        runs++;
      }
      return (pageBytes * runs) / ((performance.now() - started) / 1000) / 1e6;
    };
    const floor: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < 2; round++) {
      floor.push(rate(() => JSON.stringify(JSON.parse(text))));
      ours.push(rate(() => JSON.stringify(transform.apply(JSON.parse(text), 'bench-salt'))));
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { mbPerSecond: avg(ours), floorMbPerSecond: avg(floor), pageBytes };
  } finally {
    await p.close();
  }
}
