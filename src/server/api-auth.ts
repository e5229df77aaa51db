/**
 * Who may use the status API and page: `Authorization: Bearer <DREGSY_API_TOKEN>`, compared in
 * constant time (bearer.ts). Without a token the API is open, which service-config.ts allows
 * only on loopback or when asked for (`api.allow-no-token`, `--api-insecure`). An open API on
 * loopback is still a target for web pages in the user's own browser, so then:
 * - the Host header must name this machine (a DNS-rebinding page names its own host), and
 * - a request that changes something must not come from another site (`Sec-Fetch-Site`,
 *   `Origin`): a form or image on any page could otherwise pause a task.
 * With a token neither is needed: a browser never adds the header by itself.
 */
import type { ApiSettings } from '../service/service-config.js';
import { bearerMatches } from './bearer.js';
import { isLoopbackHost } from './listen-address.js';
import type { Reply, Request } from './router.js';

export const UNAUTHORIZED: Reply = { status: 401, headers: { 'www-authenticate': 'Bearer realm="dregsy"' }, json: { error: 'unauthorized: send Authorization: Bearer <DREGSY_API_TOKEN>' } };

function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host.trim());
  return m?.[1];
}

function crossSite(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true; // not a URL: not our page
  }
}

/** Undefined when `req` may go on; otherwise the reply that refuses it. */
export function checkApiAccess(req: Request, api: ApiSettings, changes: boolean): Reply | undefined {
  if (api.token !== undefined) return bearerMatches(req.headers.authorization, api.token) ? undefined : UNAUTHORIZED;
  if (!api.allowNoToken && !isLoopbackHost(hostName(req.headers.host))) {
    return { status: 403, json: { error: 'forbidden: without DREGSY_API_TOKEN the API answers only requests addressed to localhost' } };
  }
  if (changes && crossSite(req)) return { status: 403, json: { error: 'forbidden: a request from another site' } };
  return undefined;
}

/** True when the request would pass (for the page, which shows data only then). */
export function hasApiAccess(req: Request, api: ApiSettings): boolean {
  return checkApiAccess(req, api, false) === undefined;
}
