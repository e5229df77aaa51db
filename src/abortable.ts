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
