/**
 * What a supervisor (Kubernetes, Prometheus) reads without a token:
 *   GET /healthz  200 while alive: answering, and no task loop stuck (service/health.ts); else 503
 *   GET /readyz   200 once a config is in force and its relay is prepared; 503 before, and
 *                 while shutting down
 *   GET /metrics  Prometheus text format (metrics/metrics.ts)
 * All cheap: status snapshots only, no registry request, nothing that waits.
 */
import type { Metrics } from '../metrics/metrics.js';
import { assessHealth } from '../service/health.js';
import type { ApiSettings } from '../service/service-config.js';
import type { ServiceControl } from '../service/status.js';
import type { Route } from './router.js';

export interface ProbeContext {
  service: ServiceControl;
  api: () => ApiSettings;
  metrics: Metrics | undefined;
  now: () => number;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function probeRoutes(ctx: ProbeContext): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/healthz',
      handle() {
        const h = assessHealth(ctx.service.status().tasks, ctx.now(), ctx.api().stuckAfterMs);
        return { status: h.ok ? 200 : 503, headers: NO_STORE, json: h.ok ? { status: 'ok' } : { status: 'stuck', problems: h.problems } };
      },
    },
    {
      method: 'GET',
      path: '/readyz',
      handle() {
        const r = ctx.service.readiness();
        return { status: r.ready ? 200 : 503, headers: NO_STORE, json: r.ready ? { status: 'ready' } : { status: 'not ready', reasons: r.reasons } };
      },
    },
  ];
  const metrics = ctx.metrics;
  if (metrics) {
    routes.push({
      method: 'GET',
      path: '/metrics',
      async handle() {
        return { status: 200, headers: { ...NO_STORE, 'content-type': metrics.contentType }, body: await metrics.body() };
      },
    });
  }
  return routes;
}
