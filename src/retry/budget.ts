/**
 * How a dead registry fails fast. Each registry may take `size` retries more than it has had
 * successes: a retry spends one, a success earns one back (never above `size`). A registry
 * that answers most requests (even at 20 % faults) never runs dry; one that answers none
 * spends its budget on the first few images, and from then on each request fails at its first
 * error, until one succeeds again and earns the next retry.
 */
/** Enough for a few hundred images through a registry failing one request in five. */
export const DEFAULT_RETRY_BUDGET = 100;

export class RetryBudget {
  private readonly balances = new Map<string, number>();

  constructor(readonly size: number) {}

  balance(key: string): number {
    return this.balances.get(key) ?? this.size;
  }

  /** Takes one retry; false when there is none left. */
  spend(key: string): boolean {
    const left = this.balance(key);
    if (left < 1) return false;
    this.balances.set(key, left - 1);
    return true;
  }

  earn(key: string): void {
    this.balances.set(key, Math.min(this.size, this.balance(key) + 1));
  }
}
