import { writeFile } from 'node:fs/promises';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { cpuPerRequestUs, serialP50Ms } from './cpu';
import { type ProcessPair, startProcesses } from './processes';
import { type BenchProxy, startBenchProxy } from './setup';

/**
 * `npm run bench`: every scenario in one run, each beside its floor (what any Node code doing the
 * same job must pay), one table with each ratio beside its goal, and bench/results.json. Loopback
 * only, bounded in time (a few minutes on 2 cores).
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
const CONNECTIONS = 16;
const CPU_REQUESTS = 12_000;
const SERIAL_REQUESTS = 1_500;
const ROUNDS = 3;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The proxy against the floor proxy (bench/floor-proxy.mjs), same sandbox upstream, same token, in
 * alternating rounds after a warm-up of each: CPU per request of the proxy process (16 in flight),
 * and the median latency one request at a time. Every feature of `serve` is on (rules, token
 * cache, error mapping, request ids, metrics, the Host check).
 */
async function againstFloor(p: ProcessPair) {
  const floorUrl = `${p.floorUrl}${PATH}`;
  const proxyUrl = `${p.proxyUrl}${PATH}`;
  await cpuPerRequestUs(p.floorPid, floorUrl, 4_000, CONNECTIONS); // warm: JIT, keep-alive pools
  await cpuPerRequestUs(p.proxyPid, proxyUrl, 4_000, CONNECTIONS);
  const cpu = { floor: [] as number[], proxy: [] as number[] };
  const p50 = { floor: [] as number[], proxy: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    cpu.floor.push(await cpuPerRequestUs(p.floorPid, floorUrl, CPU_REQUESTS, CONNECTIONS));
    cpu.proxy.push(await cpuPerRequestUs(p.proxyPid, proxyUrl, CPU_REQUESTS, CONNECTIONS));
    const [floorP50, proxyP50] = await serialP50Ms([floorUrl, proxyUrl], SERIAL_REQUESTS);
    p50.floor.push(floorP50 as number);
    p50.proxy.push(proxyP50 as number);
  }
  const s = `GET ${PATH}`;
  const c = { floor: mean(cpu.floor), proxy: mean(cpu.proxy) };
  add(s, `floor proxy CPU per request (${CONNECTIONS} in flight)`, c.floor, 'µs');
  add(s, `proxy CPU per request (${CONNECTIONS} in flight)`, c.proxy, 'µs');
  add(s, 'proxy / floor CPU', c.proxy / c.floor, 'ratio', '<= 1.5');
  const l = { floor: mean(p50.floor), proxy: mean(p50.proxy) };
  add(s, 'floor p50, 1 in flight', l.floor, 'ms');
  add(s, 'proxy p50, 1 in flight', l.proxy, 'ms');
  add(s, 'proxy p50 - floor p50', l.proxy - l.floor, 'ms', '<= 0.1');
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

/** The zips as built before code splitting (docs/PERFORMANCE.md): splitting must not grow them. */
const ZIP_BEFORE_KIB = { 'aws-lambda': 228, 'gcp-function': 491 };
const IMPORT_GOAL = { 'aws-lambda': 1.3, 'gcp-function': 1.15 };

/** `npm run bench -- proxy bundles`: only the named parts (proxy, warm, burst, bundles, transform). */
const only = new Set(process.argv.slice(2));
const wanted = (part: string) => only.size === 0 || only.has(part);

async function main() {
  if (wanted('proxy')) {
    const pair = await startProcesses();
    try {
      await againstFloor(pair);
    } finally {
      await pair.close();
    }
  }
  if (wanted('warm')) {
    const p = await startBenchProxy();
    try {
      await warmCalls(p);
    } finally {
      await p.close();
    }
  }
  if (wanted('burst')) await burst();
  if (wanted('bundles'))
    await optional('bundles', async () => {
      const { benchBundles } = await import('./bundles');
      for (const b of await benchBundles()) {
        const s = `bundle ${b.name}`;
        add(s, 'zip size', b.zipBytes / 1024, 'KiB', `<= ${ZIP_BEFORE_KIB[b.name]} (before splitting)`);
        add(s, 'floor: store client alone (median)', b.floorMs.client, 'ms');
        add(s, 'floor: client + its first read started (median)', b.floorMs.clientAndRead, 'ms');
        if (b.floorMs.grpcClient !== undefined)
          add(s, "the client on gRPC, the library's default (median)", b.floorMs.grpcClient, 'ms');
        add(s, 'cold import (median)', b.coldImportMs, 'ms');
        add(s, 'cold import / client alone', b.ratio.client, 'ratio', `<= ${IMPORT_GOAL[b.name]}`);
        add(s, 'cold import / (client + first read)', b.ratio.clientAndRead, 'ratio');
        add(s, 'floor: client, one token read, one forward (median)', b.firstAnswerFloorMs, 'ms');
        add(s, 'cold first answer: import, store reads, one forward (median)', b.firstAnswerMs, 'ms');
        add(s, 'cold first answer / its floor', b.firstAnswerRatio, 'ratio', '<= 1.15');
      }
    });
  if (wanted('transform'))
    await optional('pseudonymization', async () => {
      const { benchTransform } = await import('./transform');
      for (const r of await benchTransform()) {
        const s = `pseudonymize ${r.page}`;
        add(s, 'page size', r.pageBytes / 1024, 'KiB');
        add(s, 'floor: JSON.parse + JSON.stringify (median)', r.floorMbPerSecond, 'MB/s');
        add(s, 'parse + transform + stringify (median)', r.mbPerSecond, 'MB/s');
        add(s, 'floor / transform time (median of the rounds)', r.ratio, 'ratio', '<= 2');
      }
    });

  const machine = {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg(),
  };
  // A partial run prints its figures but keeps the last full run's results.json.
  if (only.size === 0)
    await writeFile(
      new URL('./results.json', import.meta.url),
      `${JSON.stringify({ at: new Date().toISOString(), machine, figures }, null, 2)}\n`,
    );
  console.log(
    `jira-token-proxy bench: node ${machine.node}, ${machine.cpus} x ${machine.cpu}, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
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
