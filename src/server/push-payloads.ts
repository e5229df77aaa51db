/**
 * Registry push notifications → push events (pure). Three payloads:
 * - the CNCF Distribution registry's envelope (`application/vnd.docker.distribution.events.v1+json`):
 *   `events[]`, each with `id`, `action`, `target.{repository,tag,digest}`, `request.host` (and
 *   `request.useragent`, kept for the log); only a `push` with a tag is a push of an image
 *   (layer pushes and pulls are ignored);
 * - Docker Hub's webhook: `repository.repo_name` and `push_data.tag`, always on Docker Hub;
 * - Harbor's `PUSH_ARTIFACT` event: `event_data.repository.repo_full_name` and each resource's
 *   `tag`, `digest` and `resource_url` (whose host is the registry's).
 * Each event gets an id to recognise the registry's retries by.
 */
import * as z from 'zod';
import type { PushEvent } from '../plan/push-match.js';

export interface IdentifiedPush extends PushEvent {
  id: string;
}

export type ParsedPayload = { ok: true; events: IdentifiedPush[]; ignored: number } | { ok: false; message: string };

const distributionEvent = z.object({
  id: z.string().optional(),
  action: z.string(),
  target: z.object({ repository: z.string().min(1), tag: z.string().optional(), digest: z.string().optional() }),
  request: z.object({ host: z.string().optional(), useragent: z.string().optional() }).optional(),
});
const distributionEnvelope = z.object({ events: z.array(z.unknown()) });

export function parseDistribution(body: unknown): ParsedPayload {
  const envelope = distributionEnvelope.safeParse(body);
  if (!envelope.success) return { ok: false, message: "expected a Distribution notification envelope with 'events'" };
  const events: IdentifiedPush[] = [];
  let ignored = 0;
  for (const raw of envelope.data.events) {
    const e = distributionEvent.safeParse(raw);
    if (!e.success || e.data.action !== 'push' || !e.data.target.tag) {
      ignored++;
      continue;
    }
    const { repository, tag, digest } = e.data.target;
    const host = e.data.request?.host || undefined;
    const userAgent = e.data.request?.useragent || undefined;
    events.push({ id: e.data.id ?? `${host ?? ''}/${repository}:${tag}@${digest ?? ''}`, host, repo: repository, tag, digest, ...(userAgent && { userAgent }) });
  }
  return { ok: true, events, ignored };
}

const dockerHubPayload = z.object({
  callback_url: z.string().optional(),
  push_data: z.object({ tag: z.string().min(1), pushed_at: z.number().optional() }),
  repository: z.object({ repo_name: z.string().min(1) }),
});

export function parseDockerHub(body: unknown): ParsedPayload {
  const p = dockerHubPayload.safeParse(body);
  if (!p.success) return { ok: false, message: "expected a Docker Hub webhook with 'repository.repo_name' and 'push_data.tag'" };
  const repo = p.data.repository.repo_name;
  const tag = p.data.push_data.tag;
  const id = p.data.callback_url ?? `${repo}:${tag}@${p.data.push_data.pushed_at ?? ''}`;
  return { ok: true, events: [{ id, host: 'docker.io', repo, tag }], ignored: 0 };
}

const harborPayload = z.object({
  type: z.string(),
  occur_at: z.number().optional(),
  event_data: z.object({
    resources: z.array(z.object({ tag: z.string().optional(), digest: z.string().optional(), resource_url: z.string().optional() })),
    repository: z.object({ repo_full_name: z.string().min(1) }),
  }),
});

export function parseHarbor(body: unknown): ParsedPayload {
  const p = harborPayload.safeParse(body);
  if (!p.success) return { ok: false, message: "expected a Harbor webhook with 'event_data.repository' and 'event_data.resources'" };
  const type = p.data.type.toUpperCase();
  if (type !== 'PUSH_ARTIFACT' && type !== 'PUSHIMAGE') return { ok: true, events: [], ignored: p.data.event_data.resources.length || 1 };
  const repo = p.data.event_data.repository.repo_full_name;
  const events: IdentifiedPush[] = [];
  let ignored = 0;
  for (const r of p.data.event_data.resources) {
    if (!r.tag) {
      ignored++;
      continue;
    }
    const host = r.resource_url?.includes('/') ? r.resource_url.slice(0, r.resource_url.indexOf('/')) : undefined;
    events.push({ id: `harbor:${p.data.occur_at ?? ''}:${repo}:${r.tag}@${r.digest ?? ''}`, host, repo, tag: r.tag, digest: r.digest });
  }
  return { ok: true, events, ignored };
}
