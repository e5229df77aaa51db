/**
 * Part of the composition root: the listener (node:http, webhook routes, status API and page)
 * and the metrics (prom-client, which loads node:http, https, zlib, perf_hooks and v8 with it)
 * are loaded when dregsy is first asked to listen. A run that listens nowhere, such as a
 * one-off sync, never loads them: they were a sixth of the bundle and a tenth of the work
 * before the first registry request (issue 15, `make bench` section scale).
 *
 * The metrics count from when they are loaded: at start when `listen:` or `--listen` is given
 * (before any task runs), else from the reload that first sets `listen:`. Nothing can scrape
 * them before that, so nothing is lost that anyone could have read.
 */
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RegistryCounters } from '../registry/health.js';
import type { ServiceObserver } from '../service/observer.js';
import type { Listener, PushSink } from '../service/service.js';
import type { ServiceControl } from '../service/status.js';

export interface LazyServingOptions {
  logger: Logger;
  redactor: Redactor;
  version: string;
  /** Per-registry counters for the metrics, read at scrape time. */
  registries: () => readonly RegistryCounters[];
}

export interface LazyServing {
  /** For ServiceOptions.listener: loads the real listener at the first address it is given. */
  listener(service: PushSink & ServiceControl): Listener;
  /** For ServiceOptions.observer: the metrics, once loaded; until then nothing is counted. */
  observer: ServiceObserver;
}

export function lazyServing(opts: LazyServingOptions): LazyServing {
  let metrics: Metrics | undefined;
  const observer: ServiceObserver = {
    tasksChanged: (tasks, at) => metrics?.tasksChanged(tasks, at),
    requested: (task, kind, folded) => metrics?.requested(task, kind, folded),
    runEnded: (result, endedAt) => metrics?.runEnded(result, endedAt),
    reloaded: (ok, at) => metrics?.reloaded(ok, at),
  };
  const load = async (service: PushSink & ServiceControl): Promise<Listener> => {
    const [{ createServiceListener }, { Metrics }] = await Promise.all([import('../server/listener.js'), import('../metrics/metrics.js')]);
    // Process metrics (prom-client's GC observers) start once the listener is bound and can serve them.
    metrics = new Metrics({ version: opts.version, tasks: () => service.taskStates(), registries: opts.registries, processMetrics: 'when-served' });
    return createServiceListener({ service, logger: opts.logger, redactor: opts.redactor, metrics, version: opts.version });
  };
  return {
    observer,
    listener(service) {
      let real: Promise<Listener> | undefined;
      let loaded: Listener | undefined;
      return {
        async apply(settings) {
          if (real === undefined) {
            if (settings.address === undefined) return; // not listening, and never was: nothing to stop
            real = load(service);
          }
          loaded = await real;
          await loaded.apply(settings);
        },
        address: () => loaded?.address(),
        async close() {
          // a listener that failed to load failed its apply(), which reported it
          await real?.then((l) => l.close(), () => undefined);
        },
      };
    },
  };
}
