/**
 * What task runs run on: the relay, the registry client, credentials, listers and the limits
 * they share, built by the composition root (cli/run-sync.ts) from a config's global settings.
 *
 * A reload that changes those settings builds a new runtime and swaps it in; runs already
 * going keep the one they started with, which is disposed when the last of them ends.
 */
import type { ResolvedTask } from '../model/task.js';
import type { RegistryHealth } from '../registry/health.js';
import type { RunSignals } from '../schedule/run-signals.js';
import type { RunScope, TaskRunResult } from '../sync/run-task.js';

export interface Runtime {
  /** One run of one task; reports its own failures in the result, never throws for them. */
  run(task: ResolvedTask, scope: RunScope, signals: RunSignals): Promise<TaskRunResult>;
  dispose(): Promise<void>;
  /** Requests, retries and slowdowns per registry (registry/health.ts), for metrics. */
  registryHealth?: RegistryHealth;
  /**
   * Settles when the relay has started (skopeo answered, the Docker Engine is up), which goes on
   * beside the first runs' reading; rejects with the reason it cannot. Undefined: nothing to wait for.
   */
  ready?: Promise<void>;
}

/**
 * Whether the relay failed to start: it starts beside a one-off run's first reads, so which comes
 * first is open. The failure as soon as there is one; when `done` (every run ended) comes first,
 * once the relay's start has settled. Undefined: it started.
 */
export async function relayFailure(done: Promise<void>, ready: Promise<void>): Promise<{ error: unknown } | undefined> {
  const failed = ready.then(
    () => undefined,
    (e: unknown) => ({ error: e }),
  );
  const failedFirst = failed.then((f) => f ?? new Promise<never>(() => undefined));
  const first = await Promise.race([done.then(() => 'done' as const), failedFirst]);
  return first === 'done' ? failed : first;
}

interface Held {
  runtime: Runtime;
  users: number;
  retired: boolean;
}

export class RuntimeHolder {
  private current: Held | undefined;

  constructor(private readonly onDisposeError: (e: unknown) => void) {}

  /** Makes `runtime` the one new runs get; the previous one goes once its runs have ended. */
  swap(runtime: Runtime): void {
    const old = this.current;
    this.current = { runtime, users: 0, retired: false };
    if (old) this.retire(old);
  }

  /** The runtime for one run; call `release` when the run has ended. */
  acquire(): { runtime: Runtime; release: () => void } {
    const held = this.current;
    if (!held) throw new Error('no runtime: the service has not started');
    held.users++;
    let released = false;
    return {
      runtime: held.runtime,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        if (held.retired && held.users === 0) this.dispose(held);
      },
    };
  }

  /** The runtime new runs get, if one is prepared. */
  get runtime(): Runtime | undefined {
    return this.current?.runtime;
  }

  /** Disposes the current runtime (at the end; runs have ended by then). */
  async close(): Promise<void> {
    const held = this.current;
    this.current = undefined;
    if (held) await held.runtime.dispose().catch(this.onDisposeError);
  }

  private retire(held: Held): void {
    held.retired = true;
    if (held.users === 0) this.dispose(held);
  }

  private dispose(held: Held): void {
    void held.runtime.dispose().catch(this.onDisposeError);
  }
}
