/**
 * The retry policy for relays that copy out of our sight (skopeo, the Docker Engine): the same
 * policy and per-registry budgets as our registry client (retry/, registry/health.ts), with
 * failures told apart by their text (failure-text.ts). A retry is charged to the registry the
 * step talks to (for a whole copy: the one its failure names, else the target), and a step
 * that succeeds earns for the registries it talked to.
 */
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { RegistryHealth } from '../registry/health.js';
import { apiHost } from '../registry/hosts.js';
import { DEFAULT_RETRY_BUDGET } from '../retry/budget.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, type Verdict } from '../retry/policy.js';
import { giveUpNote, retrying } from '../retry/retry.js';
import type { CopyRequest } from './relay.js';

/** Go's words for failing to connect at all. */
const CONNECT_FAILURE = /connection refused|no route to host|network is unreachable/i;

export interface RelayRetry {
  policy: RetryPolicy;
  health: RegistryHealth;
}

/** No config at hand (tests, library use): the default policy and a budget of its own. */
export function defaultRelayRetry(logger: Logger = silentLogger()): RelayRetry {
  return { policy: DEFAULT_RETRY_POLICY, health: new RegistryHealth({ logger, budget: DEFAULT_RETRY_BUDGET, maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs }) };
}

/** The registry a failure's text names: the target's, unless only the source's appears. */
export function blamedRegistry(text: string, req: CopyRequest): string {
  const source = apiHost(req.source.endpoint.registry);
  const target = apiHost(req.target.endpoint.registry);
  return text.includes(source) && !text.includes(target) ? source : target;
}

export interface RelayStep<T> {
  retry: RelayRetry;
  req: CopyRequest;
  logger: Logger;
  signal: AbortSignal;
  /** What the step talks to: a whole copy (both registries), or one side (Docker's pull, push). */
  touches: 'both' | 'source' | 'target';
  /** e.g. `skopeo copy a → b`, for the debug line of each retry. */
  what: string;
  classify: (error: unknown) => Verdict;
  /** The failure's text, to find the registry to charge. */
  textOf: (error: unknown) => string;
  /** For a step tried as a whole (a skopeo process): where in it a failure happened (retry.ts `stepOf`). */
  stepOf?: (error: unknown) => string;
  op: (attempt: number) => Promise<T>;
  /** The error to throw when giving up, with a note on why it was not retried further. */
  annotate?: (error: unknown, note: string) => unknown;
}

export async function retryRelayStep<T>(step: RelayStep<T>): Promise<T> {
  const { retry, req } = step;
  const sides = { source: apiHost(req.source.endpoint.registry), target: apiHost(req.target.endpoint.registry) };
  let last: unknown;
  const value = await retrying(
    (attempt) =>
      step.op(attempt).catch((e: unknown) => {
        last = e;
        throw e;
      }),
    {
      policy: retry.policy,
      // As for our own requests (registry/retry.ts): a registry that never answered and cannot
      // be connected to is not waited for.
      classify: (e) => {
        const text = step.textOf(e);
        const blamed = step.touches === 'both' ? blamedRegistry(text, req) : sides[step.touches];
        return CONNECT_FAILURE.test(text) && !retry.health.answered(blamed) ? { retry: false } : step.classify(e);
      },
      mayRetry: () => retry.health.spendRetry(step.touches === 'both' ? blamedRegistry(step.textOf(last), req) : sides[step.touches]),
      signal: step.signal,
      ...(step.stepOf ? { stepOf: step.stepOf } : {}),
      onRetry: ({ retry: n, delayMs, why, error }) =>
        step.logger.debug(`${step.what}: ${why} (${errorMessage(error)}); retrying in ${(delayMs / 1000).toFixed(1)}s (${step.stepOf ? `try ${n + 1}` : `${n + 1}/${retry.policy.attempts}`})`),
      onGiveUp: (error, why) => {
        const note = giveUpNote(why);
        return note && step.annotate ? step.annotate(error, note) : error;
      },
    },
  );
  retry.health.copySucceeded(...(step.touches === 'both' ? [sides.source, sides.target] : [sides[step.touches]]));
  return value;
}
