/**
 * The token lifecycle's background timers (the lease heartbeat, the held write-back's loop, the
 * unfinished-spend finisher), injectable the way the clock is: a test passes timers driven by its
 * moved clock, so a heartbeat fires when the test's time says so, not after real seconds.
 * The real ones are unref'd: a background timer never keeps a process alive.
 */
export interface Timers {
  /** Runs `fn` every `ms` until the returned function is called; `fn` handles its own errors. */
  every(ms: number, fn: () => Promise<unknown>): () => void;
  /** Runs `fn` once after `ms` unless the returned function is called first. */
  after(ms: number, fn: () => Promise<unknown>): () => void;
}

export const realTimers: Timers = {
  every(ms, fn) {
    const t = setInterval(() => void fn(), ms);
    t.unref();
    return () => clearInterval(t);
  },
  after(ms, fn) {
    const t = setTimeout(() => void fn(), ms);
    t.unref();
    return () => clearTimeout(t);
  },
};
