/**
 * How long to wait before the next attempt, as one pure function per question, so the whole
 * policy is table-tested. Exponential backoff with full jitter (each wait drawn between zero
 * and the exponential step): many clients failing together do not come back together.
 * A server's `Retry-After` wins over our guess, but only up to `maxDelayMs`: a registry that
 * asks for an hour is not retried within this run.
 */

export interface RetryPolicy {
  /** Tries in all, the first included; 1 means no retry. */
  attempts: number;
  /** The first retry's step; each further retry doubles it. */
  baseDelayMs: number;
  /** No wait is longer than this, whoever asks for it. */
  maxDelayMs: number;
}

/**
 * Eight tries, about half a minute of waiting at worst. A skopeo copy is a dozen requests tried
 * as a whole, failing about half its tries at 20 % faults: it gets eight tries per failing step
 * (retry.ts `stepOf`), since eight in all would lose one image in a few hundred. A dead
 * registry is not waited for this long each time: the budget (budget.ts) ends that.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/** The wait before retry number `retry` (1 = the first retry), `random()` in [0, 1). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  // Full jitter, but never less than a tenth of the step: a retry at 0 ms helps nobody.
  return Math.round(step * (0.1 + 0.9 * random()));
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds (`120`) or an HTTP-date. Undefined
 * when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now);
}

/** What a failure means for the next attempt. */
export type Verdict =
  /** Will not change by trying again (404, 401 after a fresh token, a refused manifest). */
  | { retry: false }
  /** Might work later; `afterMs` is what the server asked for (`Retry-After`), if it did. */
  | { retry: true; why: string; afterMs?: number | undefined };

/** The wait before retry `retry`, or undefined when the server asks for more than we wait. */
export function delayFor(verdict: Verdict & { retry: true }, retry: number, policy: RetryPolicy, random: () => number): number | undefined {
  if (verdict.afterMs === undefined) return backoffDelay(retry, policy, random);
  if (verdict.afterMs > policy.maxDelayMs) return undefined;
  // A little jitter on top, so everyone told "2 s" does not return in the same millisecond.
  return verdict.afterMs + Math.round(Math.min(1_000, policy.baseDelayMs) * random() * 0.2);
}
