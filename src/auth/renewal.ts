/**
 * When fetched credentials (ECR tokens) must be fetched again, and a cache that holds them
 * until then. The cache belongs to whoever creates it (one per process, made by the CLI): no
 * module state. The clock is injected, so the timing is tested without waiting.
 */

/** Renew at most this long before a token's own expiry... */
const MAX_EXPIRY_MARGIN_MS = 15 * 60 * 1000;
/** ...and at most this share of its lifetime, so a short-lived token is still used at all. */
const EXPIRY_MARGIN_SHARE = 0.25;

export interface RenewalInput {
  /** When the credentials were fetched (ms since the epoch). */
  fetchedAt: number;
  /** The configured refresh interval (`auth-refresh`), if any. */
  refreshMs?: number | undefined;
  /** The credentials' own expiry, if the service said. */
  expiresAt?: number | undefined;
}

/**
 * The moment to fetch again: after `refreshMs`, or a margin before `expiresAt`, whichever
 * comes first. The margin keeps a token from lapsing during a run that started just before
 * its expiry (a copy of a large image can take a while). Infinity when neither is known.
 */
export function renewAt({ fetchedAt, refreshMs, expiresAt }: RenewalInput): number {
  let at = Number.POSITIVE_INFINITY;
  if (refreshMs !== undefined && refreshMs > 0) at = fetchedAt + refreshMs;
  if (expiresAt !== undefined && Number.isFinite(expiresAt)) {
    const lifetime = Math.max(0, expiresAt - fetchedAt);
    const margin = Math.min(MAX_EXPIRY_MARGIN_MS, lifetime * EXPIRY_MARGIN_SHARE);
    at = Math.min(at, expiresAt - margin);
  }
  return at;
}

export interface Fetched<T> {
  value: T;
  renewAt: number;
}

export interface RenewingCache<T> {
  /**
   * The value under `key`, fetched when absent or due for renewal. Callers asking at the
   * same time share one fetch; a failed fetch is not kept, so the next call tries again.
   */
  get(key: string, fetch: () => Promise<Fetched<T>>): Promise<T>;
}

export function createRenewingCache<T>(now: () => number): RenewingCache<T> {
  const entries = new Map<string, Promise<Fetched<T>>>();
  return {
    async get(key, fetch) {
      const current = entries.get(key);
      if (current) {
        const settled = await current.catch(() => undefined);
        // Still the entry we looked at (no one renewed it meanwhile) and still good: use it.
        if (settled && now() < settled.renewAt) return settled.value;
        if (entries.get(key) !== current) return this.get(key, fetch);
      }
      const next = fetch();
      entries.set(key, next);
      next.catch(() => {
        if (entries.get(key) === next) entries.delete(key);
      });
      return (await next).value;
    },
  };
}
