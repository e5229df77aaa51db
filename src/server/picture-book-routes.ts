/**
 * picture-book's API shapes, for scripts written against it (its README, "Picture-book HTTP
 * API"); a picture-book "sync" (one registry) is a dregsy task here:
 *   /list?type=configured          every configured task's definition (JSON array)
 *   /list?type=active              tasks that run by themselves (not paused or disabled), by name
 *   /ops?sync=NAME&action=details  one task's details (as GET /api/v1/tasks/NAME)
 *   /ops?sync=NAME&action=pause    "OK. NAME has been paused."
 *   /ops?sync=NAME&action=resume   "OK. Syncer for NAME is now running. Next execution will be at …"
 * GET as picture-book takes them, and POST. Same token and checks as /api/v1.
 */
import type { Redactor } from '../log/redact.js';
import { checkApiAccess } from './api-auth.js';
import { redactedJson, tasksList, type ApiContext } from './api-routes.js';
import type { Reply, Request, Route } from './router.js';
import { definitionView, taskDetailsView } from './task-view.js';

function text(redactor: Redactor, status: number, body: string): Reply {
  return { status, headers: { 'cache-control': 'no-store' }, text: `${redactor.redact(body)}\n` };
}

function list(ctx: ApiContext, req: Request): Reply {
  const denied = checkApiAccess(req, ctx.api(), false);
  if (denied) return denied;
  const type = req.query.get('type');
  if (type === 'configured') return redactedJson(ctx.redactor, 200, ctx.service.definitions().map(definitionView));
  if (type === 'active') {
    const active = tasksList(ctx.service).filter((t) => t.active);
    return redactedJson(ctx.redactor, 200, Object.fromEntries(active.map((t) => [t.name, t])));
  }
  return redactedJson(ctx.redactor, 400, { error: "expected ?type=configured or ?type=active" });
}

function ops(ctx: ApiContext, req: Request): Reply {
  const action = req.query.get('action') ?? '';
  const denied = checkApiAccess(req, ctx.api(), action !== 'details');
  if (denied) return denied;
  const name = req.query.get('sync') ?? '';
  const details = ctx.service.details(name);
  if (!details) return text(ctx.redactor, 404, `no task '${name}'`);
  switch (action) {
    case 'details':
      return redactedJson(ctx.redactor, 200, taskDetailsView(details));
    case 'pause':
      ctx.service.pause(name);
      return text(ctx.redactor, 200, `OK. ${name} has been paused.`);
    case 'resume': {
      ctx.service.resume(name);
      const next = ctx.service.details(name)?.status.nextRunAt;
      return text(ctx.redactor, 200, `OK. Syncer for ${name} is now running. Next execution will be at ${next ?? 'its next trigger'}`);
    }
    default:
      return text(ctx.redactor, 400, 'expected action=details, pause or resume');
  }
}

export function pictureBookRoutes(ctx: ApiContext): Route[] {
  return ['GET', 'POST'].flatMap((method) => [
    { method, path: '/list', handle: (req: Request) => list(ctx, req) },
    { method, path: '/ops', handle: (req: Request) => ops(ctx, req) },
  ]);
}
