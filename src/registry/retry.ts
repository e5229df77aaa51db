/**
 * The retry policy applied to registry operations: which failures are transient (5xx, 429, 408,
 * a connection reset, refused or timed out, a body cut off), which are final (401/403 after a
 * fresh token, 404, other 4xx, untrusted certificates, a realm we refuse, a registry that never
 * answered refusing connections), and how each retry is paid for and logged. One operation is retried from its start: a read with its body, an
 * upload from a fresh POST with its source opened again.
 */
import { RegistryError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Sleep } from '../retry/abort.js';
import type { RetryPolicy, Verdict } from '../retry/policy.js';
import { giveUpNote, retrying, type RetryRun } from '../retry/retry.js';
import { causeText } from './connections.js';
import type { RegistryHealth } from './health.js';

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures that a later attempt may not meet (Node and undici codes). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Failures to connect at all (as opposed to a connection lost on the way). */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** The `code` of an error or of any error in its cause chain that is a network failure. */
function networkCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 6; cur = cur.cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    // A body cut off mid-read: undici's "terminated" (its cause carries the socket's code).
    if (cur.message === 'terminated' || cur.message === 'other side closed') return 'terminated';
  }
  return undefined;
}

/**
 * A failure the loop must pass on as it is (its cause): one already retried by an inner
 * operation (the source download an upload opened), so retrying the outer one would only
 * multiply the attempts.
 */
export class FinalError extends Error {
  constructor(cause: unknown) {
    super(causeText(cause), { cause });
    this.name = 'FinalError';
  }
}

/** Whether `e` is a failure to connect at all (refused, unreachable, timed out connecting). */
export function isConnectFailure(e: unknown): boolean {
  const code = networkCode(e);
  return code !== undefined && CONNECT_CODES.has(code);
}

export function classifyRegistryFailure(e: unknown): Verdict {
  if (e instanceof FinalError) return { retry: false };
  if (e instanceof RegistryError && e.status !== undefined) {
    if (!TRANSIENT_STATUS.has(e.status)) return { retry: false };
    return { retry: true, why: `HTTP ${e.status}`, afterMs: e.retryAfterMs };
  }
  const code = networkCode(e);
  return code ? { retry: true, why: code } : { retry: false };
}

export interface RegistryRetryOptions {
  policy: RetryPolicy;
  health: RegistryHealth;
  logger: Logger;
  sleep?: Sleep;
  random?: () => number;
}

/**
 * `retrying` for one registry: retries are charged to its budget and logged at debug; a final
 * error says why it was not retried further.
 */
export function registryRetry(opts: RegistryRetryOptions) {
  return function retry<T>(registry: string, what: string, signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T> {
    // The first attempt is made here, and the loop only joins when it fails (with that failure
    // as its attempt 1): most requests succeed at once, and a warm run makes tens of thousands.
    let attempt: Promise<T>;
    try {
      attempt = op();
    } catch (e) {
      attempt = Promise.reject(e as Error); // thrown, not rejected: the loop takes it all the same
    }
    return attempt.catch((first: unknown) => retrying((n) => (n === 1 ? Promise.reject(first as Error) : op()), loopFor(opts, registry, what, signal)));
  };
}

function loopFor(opts: RegistryRetryOptions, registry: string, what: string, signal: AbortSignal | undefined): RetryRun {
  return {
    policy: opts.policy,
    // A registry that has never answered and cannot be connected to is a wrong address or
    // down: say so at once instead of after a minute of retries.
    classify: (e) => (isConnectFailure(e) && !opts.health.answered(registry) ? { retry: false } : classifyRegistryFailure(e)),
    mayRetry: () => opts.health.spendRetry(registry),
    signal,
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    onRetry: ({ retry, delayMs, why }) =>
      opts.logger.debug(`${what}: ${why}; retrying in ${(delayMs / 1000).toFixed(1)}s (${retry + 1}/${opts.policy.attempts})`, { registry }),
    onGiveUp: (error, why) => {
      if (error instanceof FinalError) return error.cause;
      const note = giveUpNote(why);
      if (!note) return error;
      if (error instanceof RegistryError) {
        return new RegistryError(`${error.message}${note}`, error.url, error.status, { cause: error.cause ?? error, retryAfterMs: error.retryAfterMs });
      }
      return new RegistryError(`${registry}: ${what}: ${causeText(error)}${note}`, registry, undefined, { cause: error });
    },
  };
}
