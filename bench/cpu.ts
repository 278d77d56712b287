import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

/**
 * CPU time of another process (utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms) and
 * the load that spends it: a fixed number of requests, so the figure is CPU per request whatever
 * the wall time was on a busy machine.
 */
const TICK_MS = 10;

export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, inside parentheses); utime, stime are 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** `amount` GETs of `url` with `connections` in flight; the process's CPU µs per request. */
export async function cpuPerRequestUs(pid: number, url: string, amount: number, connections: number) {
  const before = await cpuMs(pid);
  const r = await autocannon({ url, connections, amount });
  if (r.errors || r.non2xx) throw new Error(`load on ${url}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return (((await cpuMs(pid)) - before) * 1000) / amount;
}

/**
 * Median latency in ms of `amount` GETs to each URL, sent one at a time over one keep-alive
 * connection per URL, alternating between the URLs every 50 requests so both see the same load.
 */
export async function serialP50Ms(urls: string[], amount: number): Promise<number[]> {
  const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const times: number[][] = urls.map(() => []);
  const once = (url: string, agent: Agent) =>
    new Promise<void>((resolve, reject) => {
      const req = request(url, { agent }, (res) => {
        res.resume();
        res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}`))));
      });
      req.once('error', reject);
      req.end();
    });
  try {
    for (let done = 0; done < amount; done += 50) {
      for (const [i, url] of urls.entries()) {
        for (let j = 0; j < 50; j++) {
          const started = process.hrtime.bigint();
          await once(url, agents[i] as Agent);
          times[i]?.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)] as number;
  });
}
