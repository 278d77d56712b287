import type { Timers } from '../../src/tokens/timers';

interface Pending {
  at: number;
  /** The period of an `every`; undefined for an `after`. */
  everyMs: number | undefined;
  fn: () => Promise<unknown>;
}

/**
 * Timers driven by a test's moved clock: `advance(ms)` moves the clock to each timer's time in
 * turn, runs it and waits for what it started (a heartbeat's store call) before moving on, so a
 * lease heartbeat fires exactly when the test's time says and nothing waits in real time. An
 * instance given other timers (the real ones, which never fire in a fast test) is, to these, a
 * frozen process: the clock moves and it does nothing.
 */
export class ClockTimers implements Timers {
  #pending = new Set<Pending>();
  /** Timer callbacks run so far. */
  fired = 0;

  constructor(private readonly clock: { now(): number; advance(ms: number): void }) {}

  every(ms: number, fn: () => Promise<unknown>): () => void {
    return this.#add({ at: this.clock.now() + ms, everyMs: ms, fn });
  }

  after(ms: number, fn: () => Promise<unknown>): () => void {
    return this.#add({ at: this.clock.now() + ms, everyMs: undefined, fn });
  }

  /** Timers that are scheduled now (a heartbeat runs while a spend or a held write-back does). */
  get scheduled(): number {
    return this.#pending.size;
  }

  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      const next = [...this.#pending].filter((p) => p.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.clock.advance(Math.max(0, next.at - this.clock.now()));
      if (next.everyMs === undefined) this.#pending.delete(next);
      else next.at += next.everyMs;
      this.fired++;
      await next.fn();
    }
    this.clock.advance(end - this.clock.now());
  }

  #add(p: Pending): () => void {
    this.#pending.add(p);
    return () => {
      this.#pending.delete(p);
    };
  }
}
