/**
 * What the run knows about each registry it talks to, and the brakes that knowledge applies.
 *
 * - A 429 pauses every request to that registry (not only the one that got it) for its
 *   `Retry-After`; after the pause, requests go one at a time until one is answered without
 *   429, then at full speed again.
 * - A `RateLimit-Remaining` running low (Docker Hub's pull allowance, or any registry sending
 *   the header) spaces requests one at a time, so what is left lasts, until it recovers.
 * - Retries are paid from a budget per registry (retry/budget.ts), so a dead one fails fast.
 *
 * Each slowdown is logged once when it starts and once when it ends. The counters are for
 * the metrics endpoint: `snapshot()` is its interface. Requests by every relay and by our
 * client are counted here; skopeo's and Docker's own requests are seen only as copies.
 */
import type { Logger } from '../log/logger.js';
import { abortReason, sleep as realSleep, type Sleep } from '../retry/abort.js';
import { RetryBudget } from '../retry/budget.js';
import { parseRetryAfter } from '../retry/policy.js';

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'network';

export type Slowdown =
  | { kind: 'none' }
  /** 429: nothing goes until `until`, then one request at a time until one is not refused. */
  | { kind: 'rate-limited'; since: number; until: number }
  /** `RateLimit-Remaining` is low: one request at a time, `spacingMs` apart. */
  | { kind: 'allowance-low'; since: number; remaining: number; spacingMs: number };

export interface RegistryCounters {
  registry: string;
  requests: Record<StatusClass, number>;
  /** Retries taken (by our client and by the relays' copy retries). */
  retries: number;
  /** Retries refused because the budget was spent. */
  retriesRefused: number;
  budgetLeft: number;
  slowdown: Slowdown;
  /** Requests that waited for a slowdown. */
  slowedRequests: number;
  /** Slowdowns begun so far. */
  slowdowns: number;
}

export interface RegistryHealthOptions {
  logger: Logger;
  /** Retries per registry beyond its successes (retry.budget). */
  budget: number;
  /** No pause or spacing is longer than this (retry.max-delay). */
  maxDelayMs: number;
  now?: () => number;
  sleep?: Sleep;
}

/** Below this share of the allowance (or count, without a limit), requests are spaced. */
const LOW_ALLOWANCE_SHARE = 0.1;
const LOW_ALLOWANCE_COUNT = 10;
/** A 429 without `Retry-After` pauses this long. */
const DEFAULT_PAUSE_MS = 1_000;
/** A slowdown starting this soon after the last one ended continues it in the log. */
const LOG_QUIET_MS = 60_000;

interface Gate extends RegistryCounters {
  inFlight: boolean;
  lastStart: number;
  waiters: Array<() => void>;
  lastEnded: number;
  /** Whether this slowdown's start was logged (so its end is too). */
  logged: boolean;
}

export class RegistryHealth {
  private readonly gates = new Map<string, Gate>();
  private readonly budget: RetryBudget;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly warnedBudget = new Set<string>();

  constructor(private readonly opts: RegistryHealthOptions) {
    this.budget = new RetryBudget(opts.budget);
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
  }

  /**
   * Waits until a request to `registry` may start; call the returned function once its answer
   * (or failure) is recorded. Rejects when `signal` aborts.
   */
  async admit(registry: string, signal?: AbortSignal): Promise<() => void> {
    const g = this.gate(registry);
    let counted = false;
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const s = g.slowdown;
      if (s.kind === 'none') return noop;
      if (!counted) {
        g.slowedRequests++;
        counted = true;
      }
      if (s.kind === 'rate-limited' && s.until > this.now()) {
        await this.sleep(s.until - this.now(), signal);
        continue;
      }
      if (g.inFlight) {
        await this.nextTurn(g, signal);
        continue;
      }
      const gap = s.kind === 'allowance-low' ? g.lastStart + s.spacingMs - this.now() : 0;
      if (gap > 0) {
        await this.sleep(gap, signal);
        continue;
      }
      g.inFlight = true;
      g.lastStart = this.now();
      return () => {
        g.inFlight = false;
        for (const wake of g.waiters.splice(0)) wake();
      };
    }
  }

  /**
   * admit() without waiting, for the common case: the release function when a request to
   * `registry` may start at once (no slowdown); undefined when admit() must decide (a slowdown,
   * or `signal` aborted). Spares every request a promise and a turn of the event loop.
   */
  admitNow(registry: string, signal?: AbortSignal): (() => void) | undefined {
    if (signal?.aborted) return undefined;
    return this.gate(registry).slowdown.kind === 'none' ? noop : undefined;
  }

  /** One request's answer (or network failure): counters, budget, and slowdowns start or end. */
  record(registry: string, answer: { status: number; headers: Record<string, string | string[] | undefined> } | { error: unknown }): void {
    const g = this.gate(registry);
    if (!('status' in answer)) {
      g.requests.network++;
      return;
    }
    const { status, headers } = answer;
    g.requests[statusClass(status)]++;
    if (status < 500 && status !== 429) this.budget.earn(registry);
    if (status === 429) return this.rateLimited(g, headers);
    if (g.slowdown.kind === 'rate-limited') this.end(g, 'answered without 429 again');
    this.allowance(g, headers);
  }

  /** Takes a retry from the registry's budget; false (and a warning, once) when it is spent. */
  spendRetry(registry: string): boolean {
    const g = this.gate(registry);
    if (this.budget.spend(registry)) {
      g.retries++;
      return true;
    }
    g.retriesRefused++;
    if (!this.warnedBudget.has(registry)) {
      this.warnedBudget.add(registry);
      this.opts.logger.warn(`${registry}: the retry budget (${this.budget.size}) is spent: its requests now fail at the first error until some succeed again`);
    }
    return false;
  }

  /**
   * Whether the registry has answered anything yet. One that never has and refuses connections
   * is taken as a wrong address or down, not as a hiccup: not retried (retry.ts).
   */
  answered(registry: string): boolean {
    const r = this.gates.get(registry)?.requests;
    return r !== undefined && r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'] > 0;
  }

  /** A copy a relay finished (skopeo, Docker): counts as a success of both registries. */
  copySucceeded(...registries: string[]): void {
    for (const r of registries) this.budget.earn(r);
  }

  /** The counters of every registry seen so far (for metrics and tests). */
  snapshot(): RegistryCounters[] {
    return [...this.gates.values()].map((g) => ({
      registry: g.registry,
      requests: { ...g.requests },
      retries: g.retries,
      retriesRefused: g.retriesRefused,
      budgetLeft: this.budget.balance(g.registry),
      slowdown: { ...g.slowdown },
      slowedRequests: g.slowedRequests,
      slowdowns: g.slowdowns,
    }));
  }

  private rateLimited(g: Gate, headers: Record<string, string | string[] | undefined>): void {
    const asked = parseRetryAfter(first(headers['retry-after']), this.now());
    const pause = Math.min(this.opts.maxDelayMs, asked ?? DEFAULT_PAUSE_MS);
    const until = this.now() + pause;
    if (g.slowdown.kind === 'rate-limited') {
      g.slowdown = { ...g.slowdown, until: Math.max(g.slowdown.until, until) };
      return;
    }
    this.begin(g, { kind: 'rate-limited', since: this.now(), until }, `answers 429 Too Many Requests: pausing all requests to it for ${seconds(pause)}, then one at a time until it accepts them again`);
  }

  private allowance(g: Gate, headers: Record<string, string | string[] | undefined>): void {
    const remainingText = first(headers['ratelimit-remaining']);
    if (remainingText === undefined) return; // most registries never send it
    const remaining = rateLimitValue(remainingText);
    if (remaining === undefined) return;
    const limit = rateLimitValue(first(headers['ratelimit-limit']));
    const low = limit ? remaining.count <= limit.count * LOW_ALLOWANCE_SHARE : remaining.count <= LOW_ALLOWANCE_COUNT;
    if (!low) {
      if (g.slowdown.kind === 'allowance-low') this.end(g, `its rate limit allows ${remaining.count} more`);
      return;
    }
    const windowMs = (remaining.windowSeconds ?? limit?.windowSeconds ?? 0) * 1000;
    // Spread what is left over the window, within what a run can wait.
    const spacingMs = Math.min(this.opts.maxDelayMs, Math.max(1_000, windowMs / Math.max(1, remaining.count)));
    if (g.slowdown.kind === 'allowance-low') {
      g.slowdown = { ...g.slowdown, remaining: remaining.count, spacingMs };
      return;
    }
    if (g.slowdown.kind === 'rate-limited') return;
    this.begin(g, { kind: 'allowance-low', since: this.now(), remaining: remaining.count, spacingMs }, `rate limit running low (${remaining.count}${limit ? ` of ${limit.count}` : ''} left): one request at a time, ${seconds(spacingMs)} apart`);
  }

  private begin(g: Gate, slowdown: Exclude<Slowdown, { kind: 'none' }>, why: string): void {
    g.slowdown = slowdown;
    g.slowdowns++;
    // Slowdowns in quick succession are one story: log the first, keep the rest at debug.
    g.logged = this.now() - g.lastEnded > LOG_QUIET_MS;
    if (g.logged) this.opts.logger.warn(`${g.registry}: ${why}`);
    else this.opts.logger.debug(`${g.registry}: ${why}`);
  }

  private end(g: Gate, why: string): void {
    if (g.slowdown.kind === 'none') return;
    const lasted = this.now() - g.slowdown.since;
    g.slowdown = { kind: 'none' };
    g.lastEnded = this.now();
    for (const wake of g.waiters.splice(0)) wake();
    const line = `${g.registry}: back to full speed after ${seconds(lasted)} (${why}; ${g.slowedRequests} request(s) slowed so far)`;
    if (g.logged) this.opts.logger.info(line);
    else this.opts.logger.debug(line);
  }

  private nextTurn(g: Gate, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        g.waiters.splice(g.waiters.indexOf(wake), 1);
        reject(abortReason(signal!));
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      g.waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private gate(registry: string): Gate {
    let g = this.gates.get(registry);
    if (!g) {
      g = {
        registry,
        requests: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, network: 0 },
        retries: 0,
        retriesRefused: 0,
        budgetLeft: 0,
        slowdown: { kind: 'none' },
        slowedRequests: 0,
        slowdowns: 0,
        inFlight: false,
        lastStart: 0,
        waiters: [],
        lastEnded: Number.NEGATIVE_INFINITY,
        logged: false,
      };
      this.gates.set(registry, g);
    }
    return g;
  }
}

const noop = () => undefined;

function statusClass(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `76;w=21600` (Docker Hub) or `76` → the count and the window in seconds. */
export function rateLimitValue(text: string | undefined): { count: number; windowSeconds: number | undefined } | undefined {
  const m = /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/.exec(text ?? '');
  if (!m) return undefined;
  return { count: Number(m[1]), windowSeconds: m[2] !== undefined ? Number(m[2]) : undefined };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
