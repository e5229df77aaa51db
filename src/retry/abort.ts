/**
 * Waiting that a shutdown can interrupt. undici, for one, does not end a request that is still
 * connecting when its signal aborts: it waits for the connect (up to its timeout) first. So
 * every await on the network is raced against the signal here, and whatever arrives late is
 * cleaned up instead of leaking a connection.
 */

/** The abort's reason as an Error (AbortSignal.reason may be anything). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException('This operation was aborted', 'AbortError');
}

/**
 * `work`, or a rejection as soon as `signal` aborts. If `work` settles after that, `late` gets
 * its value (to release it: a response body to dump) and its error is dropped.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, late?: (value: T) => void): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.then(late, () => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onAbort = () => {
      if (done) return;
      done = true;
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (done) late?.(value);
        else {
          done = true;
          resolve(value);
        }
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!done) {
          done = true;
          reject(e);
        }
      },
    );
  });
}

/** Waits `ms`; rejects with the abort reason as soon as `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
