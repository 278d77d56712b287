import { writeFile } from 'node:fs/promises';
import { arch, cpus, platform, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { type ProcessPair, startProcesses } from './processes';
import { type BenchProxy, startBenchProxy } from './setup';

/**
 * `npm run bench`: every scenario in one run, one table, and bench/results.json. Loopback only,
 * bounded in time (about a minute and a half on 2 cores).
 */

interface Figure {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  goal?: string;
}

const figures: Figure[] = [];
const add = (scenario: string, metric: string, value: number, unit: string, goal?: string) =>
  figures.push({ scenario, metric, value: Math.round(value * 1000) / 1000, unit, goal });

const PATH = '/rest/api/3/myself';
const CONNECTIONS = 10;
const SECONDS = 4;

async function load(url: string, headers: Record<string, string> = {}) {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  if (r.errors || r.non2xx) throw new Error(`load run on ${url}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** Direct calls to the sandbox vs the same calls through the proxy, alternating A/B rounds. */
async function proxyOverhead(p: ProcessPair) {
  const auth = { authorization: `Bearer ${p.accessToken}` };
  await load(`${p.directUrl}${PATH}`, auth); // warm both paths (JIT, keep-alive pools)
  await load(`${p.proxyUrl}${PATH}`);
  const direct: Awaited<ReturnType<typeof load>>[] = [];
  const proxied: Awaited<ReturnType<typeof load>>[] = [];
  for (let round = 0; round < 2; round++) {
    direct.push(await load(`${p.directUrl}${PATH}`, auth));
    proxied.push(await load(`${p.proxyUrl}${PATH}`));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const d = {
    rps: mean(direct.map((x) => x.rps)),
    p50: mean(direct.map((x) => x.p50)),
    p99: mean(direct.map((x) => x.p99)),
  };
  const q = {
    rps: mean(proxied.map((x) => x.rps)),
    p50: mean(proxied.map((x) => x.p50)),
    p99: mean(proxied.map((x) => x.p99)),
  };
  const s = `GET ${PATH}, ${CONNECTIONS} connections`;
  add(s, 'direct throughput', d.rps, 'req/s');
  add(s, 'proxy throughput', q.rps, 'req/s');
  add(s, 'proxy/direct throughput', q.rps / d.rps, 'ratio', '>= 0.5');
  add(s, 'direct p50', d.p50, 'ms');
  add(s, 'direct p99', d.p99, 'ms');
  add(s, 'proxy p50', q.p50, 'ms');
  add(s, 'proxy p99', q.p99, 'ms');
  add(s, 'added p50', q.p50 - d.p50, 'ms', '< 1');
  add(s, 'added p99', q.p99 - d.p99, 'ms', '< 5');
}

/** Store and token-endpoint calls for 1,000 warm requests. */
async function warmCalls(p: BenchProxy) {
  await fetch(`${p.proxyUrl}${PATH}`).then((r) => r.arrayBuffer());
  const store = p.store.calls;
  const refreshes = p.sandbox.stats().refreshes;
  const r = await autocannon({ url: `${p.proxyUrl}${PATH}`, connections: CONNECTIONS, amount: 1000 });
  if (r.non2xx || r.errors) throw new Error('warm run had failures');
  add('1,000 warm requests', 'store calls', p.store.calls - store, 'calls', '0');
  add('1,000 warm requests', 'token endpoint calls', p.sandbox.stats().refreshes - refreshes, 'calls', '0');
}

/** 100 concurrent requests arriving with an expired token. */
async function burst() {
  let t = Date.now();
  const p = await startBenchProxy({ now: () => t });
  try {
    await fetch(`${p.proxyUrl}${PATH}`).then((r) => r.arrayBuffer());
    t += 3_600_000;
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`${p.proxyUrl}${PATH}`).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    const ms = performance.now() - started;
    if (statuses.some((s) => s !== 200))
      throw new Error(`burst: ${statuses.filter((s) => s !== 200).length} failures`);
    add('burst of 100, expired token', 'refreshes', p.sandbox.stats().refreshes, 'refreshes', '1');
    add('burst of 100, expired token', 'time to last answer', ms, 'ms');
  } finally {
    await p.close();
  }
}

async function optional(name: string, run: () => Promise<void>) {
  try {
    await run();
  } catch (err) {
    console.error(`bench: ${name} skipped: ${(err as Error).message}`);
  }
}

async function main() {
  const pair = await startProcesses();
  try {
    await proxyOverhead(pair);
  } finally {
    await pair.close();
  }
  const p = await startBenchProxy();
  try {
    await warmCalls(p);
  } finally {
    await p.close();
  }
  await burst();
  await optional('bundles', async () => {
    const { benchBundles } = await import('./bundles');
    for (const b of await benchBundles()) {
      add(
        `bundle ${b.name}`,
        'zip size',
        b.zipBytes / 1024,
        'KiB',
        b.name === 'aws-lambda' ? '< 1024' : undefined,
      );
      add(`bundle ${b.name}`, 'cold import (median)', b.coldImportMsMedian, 'ms', '< 100');
    }
  });
  await optional('pseudonymization', async () => {
    const { benchTransform } = await import('./transform');
    const r = await benchTransform();
    add('pseudonymize search/jql page (100 issues)', 'throughput', r.mbPerSecond, 'MB/s');
    add('pseudonymize search/jql page (100 issues)', 'page size', r.pageBytes / 1024, 'KiB');
  });

  const machine = {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGiB: Math.round(totalmem() / 2 ** 30),
  };
  await writeFile(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ at: new Date().toISOString(), machine, figures }, null, 2)}\n`,
  );
  console.log(`jira-token-proxy bench: node ${machine.node}, ${machine.cpus} x ${machine.cpu}`);
  console.table(
    figures.map((f) => ({
      scenario: f.scenario,
      metric: f.metric,
      value: f.value,
      unit: f.unit,
      goal: f.goal ?? '',
    })),
  );
}

await main();
