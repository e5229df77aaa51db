/** A clock whose time moves only when a test says so; timers fire in due order as it moves. */
/** The shape of src/schedule/clock.ts's Clock (structural: test support imports nothing from src/). */
export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  setTimer(ms: number, fn: () => void): () => void;
}

export const flush = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
};

export interface ManualClock extends Clock {
  /** Moves time forward, firing every timer that falls due, in order, letting promises settle. */
  advance(ms: number): Promise<void>;
  /** Timers armed and not yet fired or cancelled. */
  pending(): number;
}

export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const setTimer = (ms: number, fn: () => void) => {
    const id = ++seq;
    timers.set(id, { at: now + Math.max(0, ms), fn });
    return () => void timers.delete(id);
  };
  return {
    now: () => now,
    setTimer,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const cancel = setTimer(ms, resolve);
        signal.addEventListener('abort', () => (cancel(), resolve()), { once: true });
      }),
    pending: () => timers.size,
    async advance(ms) {
      const until = now + ms;
      await flush();
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= until && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry;
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        await flush();
      }
      now = until;
      await flush();
    },
  };
}
