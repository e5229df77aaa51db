/**
 * How many task runs may go at once (`concurrency.tasks`, default 1 as in dregsy, whose one
 * loop runs tasks one after the other). Waiting runs are served first come, first served, and
 * the scheduler asks in config order at start, so one-off tasks run in config order, as
 * dregsy's do (its own e2e config has a second task that reads what the first one pushed).
 */
export type Release = () => void;

export class RunSlots {
  private running = 0;
  private readonly waiting: Array<{ grant: (r: Release | undefined) => void }> = [];

  constructor(private capacity: number) {}

  /** A new limit (reload); runs already going keep their slots. */
  setCapacity(n: number): void {
    this.capacity = Math.max(1, n);
    this.pump();
  }

  /** Resolves with a release function once a slot is free, or undefined if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<Release | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const entry = {
        grant: (r: Release | undefined) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.pump();
    });
  }

  get busy(): number {
    return this.running;
  }

  private pump(): void {
    while (this.running < this.capacity && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      let released = false;
      next.grant(() => {
        if (released) return;
        released = true;
        this.running--;
        this.pump();
      });
    }
  }
}
