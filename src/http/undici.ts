/**
 * The parts of undici dregsy uses (connection pools, the proxy agent, `request`), and the only
 * module that imports undici's code. undici's index loads everything it has (fetch, WebSocket,
 * HTTP caches, mock agents, interceptors) and attaches `request` to every dispatcher as a side
 * effect: ~215 KB of the bundle, ~7 MB of memory and tens of milliseconds on every start, none
 * of it used. Its files are imported here one by one instead (undici has no exports map, and
 * the versions are pinned by the lock file; the tests run every call through these).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Agent as AgentType, Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentType } from 'undici';
import errors from 'undici/lib/core/errors.js';
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import api from 'undici/lib/api/index.js';
import DispatcherImpl from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgentImpl from 'undici/lib/dispatcher/env-http-proxy-agent.js';

export type { Dispatcher };

// What undici's index does on load, and its proxy agent relies on (it opens the tunnel with
// the `connect` this adds): without it, requests through HTTPS_PROXY fail.
Object.assign(DispatcherImpl.prototype, api);

export const Agent: typeof AgentType = AgentImpl;
export const EnvHttpProxyAgent: typeof EnvHttpProxyAgentType = EnvHttpProxyAgentImpl;

/** `dispatcher.request(options)` as undici's index would attach it. */
export function request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return api.request.call(dispatcher, options);
}

/** The answer to a request whose answer has no body (a HEAD): status and headers. */
export interface BodilessAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
}

/**
 * `request` for an answer without a body (a HEAD): its status and headers, parsed as `request`
 * parses them, without the response stream and the async resource `request` makes for every
 * answer (most of its cost per request, which a warm run of tens of thousands of HEADs notices).
 * An abort of `signal` fails it as it fails `request`: with the signal's reason.
 */
export function requestBodiless(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions & { signal?: AbortSignal | undefined }): Promise<BodilessAnswer> {
  const { signal, ...opts } = options;
  return new Promise<BodilessAnswer>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let reason: Error | undefined;
    let settled = false;
    const reasonOf = (s: AbortSignal): Error => (s.reason as Error | undefined) ?? new errors.RequestAbortedError();
    const onAbort = () => {
      reason = reasonOf(signal!);
      controller?.abort(reason);
    };
    const settle = () => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) reason = reasonOf(signal);
    else signal?.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(opts, {
      onRequestStart(c) {
        controller = c;
        if (reason) c.abort(reason);
      },
      onResponseStart(_c, statusCode, headers) {
        // 1xx answers are interim: the final one follows.
        if (statusCode < 200 || settled) return;
        settle();
        resolve({ statusCode, headers });
      },
      onResponseError(_c, error) {
        if (settled) return; // after the answer: nothing was waiting for more of it
        settle();
        reject(error);
      },
    });
  });
}
