/**
 * The status API (interface names are contracts; see docs/api.md):
 *   GET  /api/v1/tasks               every task: state, trigger, last run, next run, last error
 *   GET  /api/v1/tasks/<name>        one task: its definition without secrets, last run per image
 *   POST /api/v1/tasks/<name>/pause  a paused task ignores schedule, events and triggers; a run
 *   POST /api/v1/tasks/<name>/resume   in flight finishes; what arrives meanwhile runs at resume
 *   POST /api/v1/tasks/<name>/run    a full run now (202; 409 when paused or disabled)
 *   GET  /api/v1/config              the config in force: when loaded, the last one refused and why
 * Every reply passes through the Redactor, so a secret the program knows (credentials, tokens)
 * cannot leave through a message that happened to quote it.
 */
import type { Redactor } from '../log/redact.js';
import type { ApiSettings } from '../service/service-config.js';
import type { ServiceControl } from '../service/status.js';
import { checkApiAccess } from './api-auth.js';
import type { Reply, Request, Route } from './router.js';
import { TaskListCache } from './task-list.js';
import { taskDetailsView, taskSummary } from './task-view.js';

export interface ApiContext {
  service: ServiceControl;
  /** The API settings of the config in force (a reload may change the token). */
  api: () => ApiSettings;
  redactor: Redactor;
  /** Extra fields for /api/v1/config. */
  info: () => { version: string; listening: string | undefined };
}

/** JSON through the Redactor: the reply's text is what leaves, so that is what is cleaned. */
export function redactedJson(redactor: Redactor, status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, text: `${redactor.redact(JSON.stringify(value))}\n` };
}

/** A route that checks access first; `changes`: it changes state (cross-site checks apply). */
export function guarded(ctx: Pick<ApiContext, 'api'>, method: string, path: string, changes: boolean, handle: (req: Request) => Reply): Route {
  return {
    method,
    path,
    maxBodyBytes: 64 * 1024,
    handle(req) {
      return checkApiAccess(req, ctx.api(), changes) ?? handle(req);
    },
  };
}

export function tasksList(service: ServiceControl) {
  const status = service.status();
  const defs = new Map(service.definitions().map((t) => [t.name, t]));
  return status.tasks.map((t) => taskSummary(t, defs.get(t.name)));
}

function control(ctx: ApiContext, action: 'pause' | 'resume' | 'run'): Route {
  return guarded(ctx, 'POST', `/api/v1/tasks/:name/${action}`, true, (req) => {
    const name = req.params.name ?? '';
    const r = action === 'pause' ? ctx.service.pause(name) : action === 'resume' ? ctx.service.resume(name) : ctx.service.runNow(name);
    if (r === 'unknown') return redactedJson(ctx.redactor, 404, { error: `no task '${name}'` });
    if (r === 'disabled') return redactedJson(ctx.redactor, 409, { error: `task '${name}' is disabled` });
    if (r === 'paused') return redactedJson(ctx.redactor, 409, { error: `task '${name}' is paused: resume it first` });
    const task = ctx.service.status().tasks.find((t) => t.name === name);
    return redactedJson(ctx.redactor, action === 'run' ? 202 : 200, { task: name, action, accepted: true, state: task?.state, paused: task?.paused });
  });
}

export function apiRoutes(ctx: ApiContext): Route[] {
  const json = (status: number, value: unknown) => redactedJson(ctx.redactor, status, value);
  // Kept encoded, task by task (task-list.ts): with 1,000 tasks it is half a megabyte of JSON,
  // and dashboards poll it.
  const cache = new TaskListCache(ctx.service, ctx.redactor);
  const list = (): Reply => ({ status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: cache.parts() });
  return [
    guarded(ctx, 'GET', '/api/v1/tasks', false, list),
    guarded(ctx, 'GET', '/api/v1/tasks/:name', false, (req) => {
      const d = ctx.service.details(req.params.name ?? '');
      return d ? json(200, taskDetailsView(d)) : json(404, { error: `no task '${req.params.name ?? ''}'` });
    }),
    control(ctx, 'pause'),
    control(ctx, 'resume'),
    control(ctx, 'run'),
    guarded(ctx, 'GET', '/api/v1/config', false, () => {
      const s = ctx.service.status();
      const ready = ctx.service.readiness();
      const { version, listening } = ctx.info();
      return json(200, {
        file: s.config.file,
        loadedAt: s.config.loadedAt,
        lastRejected: s.config.lastRejected ?? null,
        startedAt: s.startedAt,
        version,
        listening,
        ready: ready.ready,
        tasks: s.tasks.length,
      });
    }),
  ];
}
