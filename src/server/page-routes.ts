/**
 * The status page's routes:
 *   GET /         the page (status-page.ts). Served to anyone, with the table only when the
 *                 request may see it (no token configured, or a valid bearer); otherwise the
 *                 page asks for the token and fetches the table itself.
 *   GET /ui/rows  the table alone, for the page's refresh; the API's access rules.
 * A strict Content-Security-Policy allows only the page's own inline style and script (by
 * nonce) and requests to this origin.
 */
import { randomBytes } from 'node:crypto';
import { checkApiAccess, hasApiAccess } from './api-auth.js';
import { tasksList, type ApiContext } from './api-routes.js';
import type { Route } from './router.js';
import { renderPage, renderTasks } from './status-page.js';

function csp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const HTML = 'text/html; charset=utf-8';

export function pageRoutes(ctx: ApiContext & { now: () => number }): Route[] {
  const table = () => ctx.redactor.redact(renderTasks(tasksList(ctx.service), ctx.service.status(), ctx.now()));
  return [
    {
      method: 'GET',
      path: '/',
      handle(req) {
        const nonce = randomBytes(16).toString('base64');
        const api = ctx.api();
        const content = hasApiAccess(req, api) ? table() : undefined;
        const page = renderPage({ nonce, content, needsToken: api.token !== undefined, version: ctx.info().version });
        return {
          status: 200,
          headers: { 'content-type': HTML, 'content-security-policy': csp(nonce), 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' },
          text: page,
        };
      },
    },
    {
      method: 'GET',
      path: '/ui/rows',
      handle(req) {
        const denied = checkApiAccess(req, ctx.api(), false);
        if (denied) return denied;
        return { status: 200, headers: { 'content-type': HTML, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }, text: table() };
      },
    },
  ];
}
