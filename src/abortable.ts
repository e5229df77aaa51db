/**
 * For waits that cannot be aborted themselves (a config read, google-auth-library's token
 * fetch, an undici request still connecting, which honours its signal only once connected):
 * the caller stops waiting when `signal` aborts; the work goes on unobserved.
 */

/**
 * Rejects with `signal`'s reason as soon as it aborts; else settles as `work` does. When `work`
 * succeeds after the abort, `late` gets its value to release it (a response body to dump).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, late?: (value: T) => void): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.then(late, () => undefined); // its outcome no longer matters; it must not become an unhandled rejection
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.then(late, () => undefined); // as above
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/** Told when a signal it watches (AbortWatch) aborts. */
export interface AbortWatcher {
  aborted(signal: AbortSignal): void;
}

/**
 * Many short watches of a few long-lived signals: a run's kill signal is watched by each of
 * its tens of thousands of requests while in flight. One 'abort' listener per signal, with the
 * signal's watchers in a set behind it: an EventTarget listener per watch would cost an
 * allocation, and a walk of the signal's whole listener list, at every add and every remove.
 */
export class AbortWatch {
  private readonly watchers = new WeakMap<AbortSignal, Set<AbortWatcher>>();

  /** Tells `watcher` when `signal` aborts; false, keeping nothing, when it already has. */
  add(signal: AbortSignal, watcher: AbortWatcher): boolean {
    if (signal.aborted) return false;
    let set = this.watchers.get(signal);
    if (!set) {
      const watching = new Set<AbortWatcher>();
      set = watching;
      this.watchers.set(signal, watching);
      signal.addEventListener(
        'abort',
        () => {
          const told = [...watching];
          watching.clear();
          for (const w of told) w.aborted(signal);
        },
        { once: true },
      );
    }
    set.add(watcher);
    return true;
  }

  /** Stops telling `watcher` about `signal` (nothing happens if it was not watching it). */
  delete(signal: AbortSignal, watcher: AbortWatcher): void {
    this.watchers.get(signal)?.delete(watcher);
  }
}
