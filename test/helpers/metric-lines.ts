import { vi } from 'vitest';
import { setLogLevel } from '../../src/log';

/** The metric lines the real logger writes while `run` runs (whether it succeeds or throws). */
export async function metricLines(
  run: () => Promise<unknown>,
): Promise<{ metric: string; value: number; [k: string]: unknown }[]> {
  const lines: string[] = [];
  const spies = (['stdout', 'stderr'] as const).map((name) =>
    vi.spyOn(process[name], 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  setLogLevel('info');
  try {
    await run();
  } finally {
    setLogLevel('silent');
    for (const spy of spies) spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.metric);
}
