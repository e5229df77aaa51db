/**
 * SIGINT, SIGTERM and SIGHUP for the whole life of the process, from its first line: Node's
 * default for a signal nobody listens to is to die at once (exit 143), leaving authfiles and
 * child processes behind, so the hub listens from the start and routes each signal.
 *
 * - The first SIGINT/SIGTERM aborts `stop`, which every start-up wait listens to (loading the
 *   config, waiting for the Docker Engine): they end at once.
 * - It also goes to whoever subscribed (the service): it stops scheduling and gives running
 *   copies their grace period; a second signal ends them. A subscriber that comes later still
 *   gets a signal nobody took, so none is lost in between.
 * - A third signal, or a second one nobody takes, means "now": the owner exits at once.
 */
import { StoppedError } from '../errors.js';

export type HubSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const HUB_SIGNALS: readonly HubSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The part of `process` the hub uses; tests pass an EventEmitter. */
export interface SignalSource {
  on(event: HubSignal, listener: () => void): unknown;
  off(event: HubSignal, listener: () => void): unknown;
}

export interface SignalHubOptions {
  /** Says what the hub does with a signal nobody took. */
  say(level: 'info' | 'warn', line: string): void;
  /** The first SIGINT/SIGTERM, whoever takes it (starts the shutdown deadline). */
  onFirstStop(signal: HubSignal): void;
  /** The user insists (see above): exit now. */
  onInsist(signal: HubSignal): void;
}

export interface SignalHub {
  /** Aborted by the first SIGINT/SIGTERM; reason: StoppedError. */
  readonly stop: AbortSignal;
  /** Routes `signal` to `handler` until the returned function is called. */
  on(signal: HubSignal, handler: () => void): () => void;
  /** Signals that arrived before the hub existed (the launcher records them), handled in order. */
  replay(signals: readonly string[]): void;
  close(): void;
}

/** After this many SIGINT/SIGTERM the process exits at once, whoever listens. */
const INSIST_AFTER = 3;

export function createSignalHub(source: SignalSource, opts: SignalHubOptions): SignalHub {
  const stopController = new AbortController();
  const handlers = new Map<HubSignal, Set<() => void>>(HUB_SIGNALS.map((s) => [s, new Set()]));
  let stops = 0;
  /** A stop signal nobody took yet: a daemon subscribing later gets it. */
  let pending: HubSignal | undefined;

  function dispatch(signal: HubSignal): void {
    const taken = [...(handlers.get(signal) ?? [])];
    if (signal === 'SIGHUP') {
      if (taken.length === 0) opts.say('info', 'received SIGHUP: ignored, nothing to reload');
      for (const h of taken) h();
      return;
    }
    stops++;
    if (stops === 1) opts.onFirstStop(signal);
    if (stops >= INSIST_AFTER || (taken.length === 0 && stopController.signal.aborted)) {
      opts.say('warn', `received ${signal} again: exiting now`);
      opts.onInsist(signal);
      return;
    }
    if (taken.length > 0) {
      for (const h of taken) h();
    } else {
      opts.say('info', `received ${signal}: stopping`);
      pending = signal;
    }
    if (!stopController.signal.aborted) stopController.abort(new StoppedError(signal));
  }

  const listeners = new Map(HUB_SIGNALS.map((s) => [s, () => dispatch(s)]));
  for (const [s, l] of listeners) source.on(s, l);

  return {
    stop: stopController.signal,
    on(signal, handler) {
      handlers.get(signal)?.add(handler);
      if (pending === signal) {
        pending = undefined;
        // Not from inside on(): the subscriber may not have finished setting up.
        queueMicrotask(handler);
      }
      return () => void handlers.get(signal)?.delete(handler);
    },
    replay(signals) {
      for (const s of signals) if ((HUB_SIGNALS as readonly string[]).includes(s)) dispatch(s as HubSignal);
    },
    close() {
      for (const [s, l] of listeners) source.off(s, l);
    },
  };
}
