/**
 * The push and trigger endpoints (interface names are contracts; see docs/configuration.md):
 *   POST /webhooks/distribution   CNCF Distribution notification envelope
 *   POST /webhooks/dockerhub      Docker Hub webhook
 *   POST /webhooks/harbor         Harbor webhook
 *   POST /trigger/<task>          a full run of <task> after its quiet period (s3syncer's URL)
 * Every one wants `Authorization: Bearer <DREGSY_WEBHOOK_TOKEN>`. They answer at once: the
 * work is only queued (a registry waits for the reply and retries on failure), and an event
 * seen before (a retry), or the echo of a push of dregsy's own, is acknowledged without
 * queueing anything (service/push-intake.ts).
 */
import type { Logger } from '../log/logger.js';
import type { WebhookObserver } from '../metrics/metrics.js';
import type { PushSink } from '../service/service.js';
import { bearerMatches } from './bearer.js';
import { parseDistribution, parseDockerHub, parseHarbor, type ParsedPayload } from './push-payloads.js';
import type { RecentIds } from './recent-ids.js';
import type { Reply, Request, Route } from './router.js';

export interface WebhookContext {
  sink: PushSink;
  /** The current shared secret (a reload may change it). */
  token: () => string | undefined;
  recent: RecentIds;
  logger: Logger;
  /** Told of every answer and every accepted payload's events (the metrics). */
  observer?: WebhookObserver | undefined;
}

const UNAUTHORIZED: Reply = { status: 401, headers: { 'www-authenticate': 'Bearer realm="dregsy"' }, json: { error: 'unauthorized' } };

function authorized(req: Request, ctx: WebhookContext): boolean {
  return bearerMatches(req.headers.authorization, ctx.token());
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // not JSON: the payload parser says what it expected
  }
}

/** Tells the observer how the request was answered. */
function counted(kind: string, ctx: WebhookContext, handle: (req: Request) => Reply): (req: Request) => Reply {
  return (req) => {
    const reply = handle(req);
    ctx.observer?.answered(kind, reply.status);
    return reply;
  };
}

function pushRoute(path: string, kind: string, parse: (body: unknown) => ParsedPayload, ctx: WebhookContext): Route {
  return {
    method: 'POST',
    path,
    handle: counted(kind, ctx, (req) => {
      if (!authorized(req, ctx)) return UNAUTHORIZED;
      const parsed = parse(parseJson(req.body));
      if (!parsed.ok) return { status: 400, json: { error: parsed.message } };
      const fresh = parsed.events.filter((e) => ctx.recent.firstTime(`${kind}\0${e.id}`));
      const { tasks, unmatched, ownWrites, ownTargets } = fresh.length > 0 ? ctx.sink.push(fresh) : { tasks: [], unmatched: 0, ownWrites: 0, ownTargets: 0 };
      const repeated = parsed.events.length - fresh.length;
      ctx.observer?.events(kind, { received: parsed.events.length + parsed.ignored, notAPush: parsed.ignored, repeated, noTask: unmatched, ownWrite: ownWrites, ownTarget: ownTargets });
      if (fresh.length > 0 && ctx.logger.isLevelEnabled('debug')) {
        const own = ownWrites > 0 ? `, ${ownWrites} of them the echo of dregsy's own writes` : '';
        const rest = tasks.length > 0 ? ` for ${tasks.join(', ')}` : ownWrites < fresh.length ? ', no task selects them' : '';
        ctx.logger.debug(`${kind} webhook: ${fresh.length} push(es)${own}${rest}`, {
          images: fresh.slice(0, 5).map((e) => `${e.repo}:${e.tag}`).join(' '),
        });
      }
      return { status: 202, json: { events: fresh.length, repeated, ignored: parsed.ignored, ownWrites, tasks } };
    }),
  };
}

export function webhookRoutes(ctx: WebhookContext): Route[] {
  return [
    pushRoute('/webhooks/distribution', 'distribution', parseDistribution, ctx),
    pushRoute('/webhooks/dockerhub', 'dockerhub', parseDockerHub, ctx),
    pushRoute('/webhooks/harbor', 'harbor', parseHarbor, ctx),
    {
      method: 'POST',
      path: '/trigger/:task',
      handle: counted('trigger', ctx, (req) => {
        if (!authorized(req, ctx)) return UNAUTHORIZED;
        const task = req.params.task ?? '';
        const r = ctx.sink.trigger(task);
        if (r === 'unknown') return { status: 404, json: { error: `no task '${task}'` } };
        if (r === 'disabled') return { status: 409, json: { error: `task '${task}' is disabled` } };
        ctx.observer?.events('trigger', { received: 1, notAPush: 0, repeated: 0, noTask: 0, ownWrite: 0, ownTarget: 0 });
        return { status: 202, json: { task, accepted: true } };
      }),
    },
  ];
}
