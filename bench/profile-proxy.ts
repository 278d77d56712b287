import autocannon from 'autocannon';
import { startBenchProxy } from './setup';

/** `node --cpu-prof --import tsx bench/profile-proxy.ts`: load on the proxy alone, for a CPU profile of the hot path. */
const p = await startBenchProxy();
await autocannon({ url: `${p.proxyUrl}/rest/api/3/myself`, connections: 10, duration: 5 });
await p.close();
