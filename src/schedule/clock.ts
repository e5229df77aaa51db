/** Time as the scheduler sees it; injected so tests can drive it. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Calls `fn` once at `now() + ms` (or later); the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** setTimeout takes at most 2^31-1 ms (24.8 days); a cron schedule can be further out. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function systemClock(): Clock {
  const setTimer = (ms: number, fn: () => void): (() => void) => {
    const due = Date.now() + Math.max(0, ms);
    let timer: NodeJS.Timeout;
    const arm = () => {
      // Re-checked on waking: a timer may be cut short by the maximum, or the wall clock may
      // have been set back while we slept; either way fire only once the due time is reached.
      const left = due - Date.now();
      if (left > 0) timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      else fn();
    };
    timer = setTimeout(arm, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    return () => clearTimeout(timer);
  };
  return {
    now: () => Date.now(),
    setTimer,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const done = () => {
          cancel();
          signal.removeEventListener('abort', done);
          resolve();
        };
        const cancel = setTimer(ms, done);
        signal.addEventListener('abort', done, { once: true });
      }),
  };
}
