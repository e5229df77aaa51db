/**
 * The process around a run, from main()'s first line to its exit: signals (signals.ts), the
 * last resort (last-resort.ts), what must happen on any exit, and two deadlines that keep a
 * stuck process from outliving its welcome:
 * - after the first SIGINT/SIGTERM, the shutdown deadline (the grace period plus the time a
 *   killed copy needs to end): then the process exits whatever still runs, so Kubernetes,
 *   which SIGKILLs 30 s after SIGTERM, never has to;
 * - after main() has its exit code, anything that still holds the event loop (a read that
 *   never ends, a socket) gets a moment (none after a SIGINT/SIGTERM), then the process
 *   exits anyway.
 * Every exit, however it comes, runs the exit hooks (the authfile folder is removed) and,
 * through execa's own exit hook, ends the child processes still running.
 */
import type { Logger } from '../log/logger.js';
import { installLastResort, type FatalKind } from './last-resort.js';
import { createSignalHub, type HubSignal } from './signals.js';

type Listener = (...args: unknown[]) => void;

/** What the lifecycle needs of `process`; tests pass an EventEmitter and record exits. */
export interface ProcessPort {
  on(event: HubSignal | FatalKind | 'exit', listener: Listener): unknown;
  off(event: HubSignal | FatalKind | 'exit', listener: Listener): unknown;
  exit(code: number): void;
  setExitCode(code: number): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Whether output is still on its way out (a pipe to a slow reader, where writes are asynchronous). */
  outputPending(): boolean;
}

export type LogPort = Pick<Logger, 'info' | 'warn' | 'error' | 'debug' | 'isLevelEnabled'>;

/** What a run registers with the process it runs in. */
export interface RunLifecycle {
  /** Aborted by a SIGINT/SIGTERM while no daemon listens: start-up waits end at once. */
  readonly stop: AbortSignal;
  /** Signal notices and the last resort log here from now on; returns the undo. */
  useLogger(logger: LogPort): () => void;
  /** Runs synchronously on any exit, even an emergency one: remove what must not stay. */
  onExit(hook: () => void): () => void;
  /** Runs synchronously before an emergency exit: write what can still be written. */
  onEmergency(hook: () => void): () => void;
  /** How long after the first SIGINT/SIGTERM the process may take to end. */
  setShutdownDeadline(ms: number): void;
}

export interface Lifecycle extends RunLifecycle {
  onSignal(signal: HubSignal, handler: () => void): () => void;
  /** main() is done: exit with `code` now, or as soon as the event loop is empty. */
  finish(code: number): void;
}

/** The time a copy killed at the end of the grace period needs to end (skopeo: SIGTERM, SIGKILL after 5 s). */
export const KILL_MARGIN_MS = 7_000;
/** How long a finished main() waits for what still holds the event loop. */
const FINISH_WAIT_MS = 2_000;

export function startLifecycle(proc: ProcessPort, fallback: LogPort, early: readonly string[] = []): Lifecycle {
  let logger: LogPort = fallback;
  const exitHooks = new Set<() => void>();
  const emergencyHooks = new Set<() => void>();
  let deadlineMs = 20_000 + KILL_MARGIN_MS;

  const runAll = (hooks: Set<() => void>) => {
    for (const hook of [...hooks]) {
      try {
        hook();
      } catch {
        // One hook failing must not keep the others (removing credentials) from running.
      }
    }
  };
  const exitNow = (code: number) => {
    runAll(emergencyHooks);
    proc.exit(code); // the 'exit' listener below runs the exit hooks
  };
  proc.on('exit', () => runAll(exitHooks));

  const hub = createSignalHub(proc, {
    say: (level, line) => logger[level](line),
    onFirstStop(signal) {
      const seconds = Math.round(deadlineMs / 1000);
      setTimeout(() => {
        logger.error(`still running ${seconds}s after ${signal}: exiting now`);
        exitNow(1);
      }, deadlineMs).unref();
    },
    onInsist: () => exitNow(1),
  });
  installLastResort(proc, { write: (text) => proc.stderr(text), debug: () => logger.isLevelEnabled('debug'), exitNow });
  hub.replay(early);

  const register = (hooks: Set<() => void>, hook: () => void) => {
    hooks.add(hook);
    return () => void hooks.delete(hook);
  };
  return {
    stop: hub.stop,
    useLogger(next) {
      logger = next;
      return () => {
        if (logger === next) logger = fallback;
      };
    },
    onExit: (hook) => register(exitHooks, hook),
    onEmergency: (hook) => register(emergencyHooks, hook),
    onSignal: (signal, handler) => hub.on(signal, handler),
    setShutdownDeadline(ms) {
      deadlineMs = ms;
    },
    finish(code) {
      proc.setExitCode(code);
      const exitWhenWritten = () => (proc.outputPending() ? setTimeout(exitWhenWritten, 100).unref() : proc.exit(code));
      // Asked to stop: what still holds the event loop (a timer of an abandoned start) is not worth a wait.
      setTimeout(exitWhenWritten, hub.stop.aborted ? 0 : FINISH_WAIT_MS).unref();
    },
  };
}
