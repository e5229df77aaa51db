/**
 * The parts of undici dregsy uses (connection pools, the proxy agent, `request`), and the only
 * module that imports undici's code. undici's index loads everything it has (fetch, WebSocket,
 * HTTP caches, mock agents, interceptors) and attaches `request` to every dispatcher as a side
 * effect: ~215 KB of the bundle, ~7 MB of memory and tens of milliseconds on every start, none
 * of it used. Its files are imported here one by one instead (undici has no exports map, and
 * the versions are pinned by the lock file; the tests run every call through these).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AbortWatch, AbortWatcher } from '../abortable.js';
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
 * When `signal` aborts it fails at once with the signal's reason (undici by itself would wait
 * for a connect in progress), and undici drops the request. `watch` keeps the signal's watchers.
 */
export function requestBodiless(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal | undefined, watch: AbortWatch): Promise<BodilessAnswer> {
  return new Promise<BodilessAnswer>((resolve, reject) => {
    const request = new BodilessRequest(resolve, reject, signal, watch);
    if (signal && !watch.add(signal, request)) return reject(abortReasonOf(signal));
    dispatcher.dispatch(options, request);
  });
}

function abortReasonOf(signal: AbortSignal): Error {
  return (signal.reason as Error | undefined) ?? new errors.RequestAbortedError();
}

/** One bodiless request: undici's handler, and the watcher of its signal. */
class BodilessRequest implements Dispatcher.DispatchHandler, AbortWatcher {
  private controller: Dispatcher.DispatchController | undefined;
  /** Why the request was aborted before undici started it (it is dropped when it starts). */
  private reason: Error | undefined;
  private settled = false;

  constructor(
    private readonly resolve: (answer: BodilessAnswer) => void,
    private readonly reject: (error: Error) => void,
    private readonly signal: AbortSignal | undefined,
    private readonly watch: AbortWatch,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.reason) controller.abort(this.reason);
    else this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx answers are interim: the final one follows.
    if (statusCode < 200 || this.settled) return;
    this.settle();
    this.resolve({ statusCode, headers });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return; // after the answer, or the abort: nothing waits for more
    this.settle();
    this.reject(error);
  }

  aborted(signal: AbortSignal): void {
    if (this.settled) return;
    this.settled = true; // the watch has forgotten this request already
    const reason = abortReasonOf(signal);
    if (this.controller) this.controller.abort(reason);
    else this.reason = reason;
    this.reject(reason);
  }

  private settle(): void {
    this.settled = true;
    if (this.signal) this.watch.delete(this.signal, this);
  }
}
