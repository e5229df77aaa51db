/**
 * The parts of undici dregsy uses (connection pools, the proxy agent, `request`), and the only
 * module that imports undici's code. undici's index loads everything it has (fetch, WebSocket,
 * HTTP caches, mock agents, interceptors) and attaches `request` to every dispatcher as a side
 * effect: ~215 KB of the bundle, ~7 MB of memory and tens of milliseconds on every start, none
 * of it used. Its files are imported here one by one instead (undici has no exports map, and
 * the versions are pinned by the lock file; the tests run every call through these).
 */
import type { Agent as AgentType, Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentType } from 'undici';
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
