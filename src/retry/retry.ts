/**
 * The one retry loop every relay and the registry client use. What is transient is decided by
 * the caller's `classify` (HTTP statuses for our client, skopeo's stderr, the Docker Engine's
 * messages); how long to wait by the policy (policy.ts); whether this registry may still be
 * retried at all by the run's budget (`mayRetry`, see registry/health.ts). Waits end at once
 * when the signal aborts.
 */
import { abortReason, sleep as realSleep, type Sleep } from './abort.js';
import { delayFor, type RetryPolicy, type Verdict } from './policy.js';

/** Why the loop stopped trying; `onGiveUp` may turn it into a clearer error. */
export type GiveUp =
  | { kind: 'permanent'; attempts: number }
  | { kind: 'attempts'; attempts: number; why: string }
  | { kind: 'budget'; attempts: number; why: string }
  | { kind: 'retry-after'; attempts: number; why: string; afterMs: number };

export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  why: string;
  error: unknown;
}

/**
 * An op made of many requests and tried as a whole (a skopeo process) fails at its first
 * failing request, so at 20 % faults it fails about half its tries however alive the
 * registry is. With `stepOf`, `policy.attempts` bounds the tries that failed at each step
 * (as it bounds each request of our client), and the whole op is tried at most this many
 * times `policy.attempts`; the budget still ends it for a dead registry.
 */
export const WHOLE_OP_ATTEMPTS_FACTOR = 3;

export interface RetryRun {
  policy: RetryPolicy;
  classify(error: unknown): Verdict;
  /**
   * For an op tried as a whole: which of its steps (requests) a transient failure failed at,
   * e.g. `writing manifest`. Each step gets `policy.attempts` tries and its own backoff; the
   * op at most WHOLE_OP_ATTEMPTS_FACTOR times that. Undefined: the op is one step.
   */
  stepOf?: (error: unknown) => string;
  /** Asked before each retry; false ends the loop (the run's budget for this registry is spent). */
  mayRetry?: () => boolean;
  signal?: AbortSignal | undefined;
  sleep?: Sleep;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
  /** The error to throw when giving up; default: the last error as it is. */
  onGiveUp?: (error: unknown, why: GiveUp) => unknown;
}

export async function retrying<T>(op: (attempt: number) => Promise<T>, run: RetryRun): Promise<T> {
  const random = run.random ?? Math.random;
  const wait = run.sleep ?? realSleep;
  const failedAt = new Map<string, number>();
  const maxAttempts = run.stepOf ? run.policy.attempts * WHOLE_OP_ATTEMPTS_FACTOR : run.policy.attempts;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (error) {
      if (run.signal?.aborted) throw error;
      const verdict = run.classify(error);
      const giveUp = (why: GiveUp) => (run.onGiveUp ? run.onGiveUp(error, why) : error);
      if (!verdict.retry) throw giveUp({ kind: 'permanent', attempts: attempt });
      // Tries that failed at this step (all tries, for an op of one step).
      const step = run.stepOf?.(error);
      const failures = step === undefined ? attempt : (failedAt.get(step) ?? 0) + 1;
      if (step !== undefined) failedAt.set(step, failures);
      if (failures >= run.policy.attempts || attempt >= maxAttempts) throw giveUp({ kind: 'attempts', attempts: attempt, why: verdict.why });
      const delayMs = delayFor(verdict, failures, run.policy, random);
      if (delayMs === undefined) throw giveUp({ kind: 'retry-after', attempts: attempt, why: verdict.why, afterMs: verdict.afterMs ?? 0 });
      if (run.mayRetry && !run.mayRetry()) throw giveUp({ kind: 'budget', attempts: attempt, why: verdict.why });
      run.onRetry?.({ retry: attempt, delayMs, why: verdict.why, error });
      await wait(delayMs, run.signal);
      if (run.signal?.aborted) throw abortReason(run.signal);
    }
  }
}

/** A few words for a user on why a loop gave up, to append to the last error's message. */
export function giveUpNote(why: GiveUp): string {
  switch (why.kind) {
    case 'permanent':
      return '';
    case 'attempts':
      return ` (gave up after ${why.attempts} attempts)`;
    case 'budget':
      return ` (not retried: the run's retry budget for this registry is spent)`;
    case 'retry-after':
      return ` (not retried: the server asks to wait ${Math.round(why.afterMs / 1000)}s, more than retry.max-delay)`;
  }
}
