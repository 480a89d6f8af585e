/**
 * Time as the runtime sees it. Everything that waits (backoff, addAfter, resync, watchdogs) goes through a
 * Clock so tests can drive time by hand instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences are meaningful. */
  now(): number;
  /** Runs `fn` once after `ms`; the returned function cancels it (a no-op once it has run). */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The real clock. Timers are unref'd so a pending backoff never keeps the process alive on its own. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return () => clearTimeout(handle);
  },
};
