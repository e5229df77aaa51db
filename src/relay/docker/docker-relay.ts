/**
 * The Docker relay: per image, pull through a Docker Engine, tag for the target, push that
 * one tag, then remove what this copy pulled and tagged. Unlike dregsy's relay it pushes
 * only the tag of this copy (never stale local tags) and leaves the daemon's disk as it was.
 * Pull and push are each retried under the run's policy when the Engine reports a transient
 * registry failure (a 5xx, 429 or lost connection in its text).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError, RelayError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { Redactor } from '../../log/redact.js';
import type { RegistryEndpoint } from '../../registry/types.js';
import { classifyFailureText } from '../failure-text.js';
import { sourceReference, targetReference, type CopyContext, type CopyRequest, type Relay } from '../relay.js';
import { defaultRelayRetry, retryRelayStep, type RelayRetry } from '../relay-retry.js';
import type { Verdict } from '../../retry/policy.js';
import { apiVersionBelow, isPlainRemoteTcp, parseDockerHost } from './docker-host.js';
import { connectEngine, EngineError, type DockerEngine } from './docker-engine.js';
import { planDockerCopy, type DockerCopyPlan } from './docker-plan.js';
import { describeEvent, hintFor, type ProgressEvent } from './progress.js';
import { registryAuthHeader } from './registry-auth-header.js';

export interface DockerRelayOptions {
  /** `unix:///var/run/docker.sock` or `tcp://host:port`. */
  host: string;
  /** Engine API version the requests ask for, e.g. `1.41`. */
  apiVersion: string;
  redactor: Redactor;
  logger?: Logger;
  /** prepare(): how often to ping before giving up (dregsy: 30), and how long to wait between. */
  pingAttempts?: number;
  pingIntervalMs?: number;
  /** How long one ping may take. */
  pingTimeoutMs?: number;
  /** Leave pulled and tagged images on the daemon (a cache between runs, at the cost of disk). */
  keepImages?: boolean;
  /** The run's retry policy and registry budgets; default: the default policy, a budget of its own. */
  retry?: RelayRetry;
}

/** How many of the last progress lines an error carries. */
const TAIL_LINES = 5;
/** Removing images is local to the daemon and quick; a hung daemon must not block shutdown. */
const CLEANUP_TIMEOUT_MS = 30_000;
/** After a copy was ended by shutdown, cleaning up must fit in the shutdown deadline (cli/lifecycle.ts). */
const SHUTDOWN_CLEANUP_TIMEOUT_MS = 3_000;

export function createDockerRelay(opts: DockerRelayOptions): Relay {
  const engineOrError = connectEngine(opts.host, opts.apiVersion);
  const retry = opts.retry ?? defaultRelayRetry();
  const redact = (s: string) => opts.redactor.redact(s);
  // Copies of one source image wait for each other: one's cleanup must not remove the image
  // another is about to tag.
  const busy = new Map<string, Promise<void>>();
  let warnedTls = false;
  let warnedPlainAuth = false;
  const parsedHost = parseDockerHost(opts.host);
  const plainRemote = !('error' in parsedHost) && isPlainRemoteTcp(parsedHost);

  function engine(): DockerEngine {
    if ('error' in engineOrError) throw new EnvironmentError(`relay 'docker': ${engineOrError.error}`);
    return engineOrError;
  }

  function warnSkipTls(req: CopyRequest, log: Logger): void {
    if (warnedTls) return;
    const endpoint = [req.source.endpoint, req.target.endpoint].find((e: RegistryEndpoint) => e.skipTlsVerify);
    if (!endpoint) return;
    warnedTls = true;
    log.warn(
      `'skip-tls-verify' (${endpoint.registry}) has no effect on pulls and pushes with relay 'docker': the Docker daemon's own 'insecure-registries' setting decides (it treats 127.0.0.0/8 as insecure); only dregsy's own registry reads (tag lists, digests) honour it`,
    );
  }

  /** X-Registry-Auth is the password in base64: over plain TCP to another host, say so once. */
  function warnPlainAuth(endpoint: RegistryEndpoint, log: Logger): void {
    if (warnedPlainAuth || !plainRemote || !endpoint.credentials) return;
    warnedPlainAuth = true;
    log.warn(
      `credentials for ${endpoint.registry} go to the Docker Engine at ${opts.host} unencrypted (X-Registry-Auth over plain TCP: dregsy has no TLS to the daemon), readable by anyone on that network; use a unix socket, or an Engine on this host's loopback`,
    );
  }

  async function copyOnce(req: CopyRequest, ctx: CopyContext, plan: DockerCopyPlan): Promise<void> {
    const e = engine();
    const from = sourceReference(req.source);
    const to = targetReference(req.target);
    const tail: string[] = [];
    const onEvent = (event: ProgressEvent) => {
      const line = describeEvent(event);
      if (line === undefined) return;
      tail.push(redact(line));
      if (tail.length > TAIL_LINES) tail.shift();
      if (req.verbose) ctx.logger.debug(redact(line), { relay: 'docker' });
    };
    const cleanup: string[] = [];
    let step = `docker pull ${plan.pulledRef}`;
    try {
      // An image that was on the daemon before this copy is not ours to remove.
      if (!opts.keepImages && !(await e.imageExists(plan.pulledRef, ctx.signal))) cleanup.push(plan.pulledRef);
      ctx.logger.debug('docker pull', { ref: plan.pulledRef, platform: plan.pull.platform });
      warnPlainAuth(req.source.endpoint, ctx.logger);
      const auth = registryAuthHeader(req.source.endpoint.credentials, req.source.endpoint.registry);
      await retried(req, ctx, 'source', `docker pull ${plan.pulledRef}`, () => e.pull(plan.pull, { auth, signal: ctx.signal, onEvent }));
      step = `docker tag ${plan.pulledRef} ${plan.targetRef}`;
      await e.tag(plan.pulledRef, plan.push.name, plan.push.tag, ctx.signal);
      if (!opts.keepImages) cleanup.unshift(plan.targetRef);
      step = `docker push ${plan.targetRef}`;
      ctx.logger.debug('docker push', { ref: plan.targetRef });
      warnPlainAuth(req.target.endpoint, ctx.logger);
      const pushAuth = registryAuthHeader(req.target.endpoint.credentials, req.target.endpoint.registry);
      await retried(req, ctx, 'target', `docker push ${plan.targetRef}`, () => e.push(plan.push.name, plan.push.tag, { auth: pushAuth, signal: ctx.signal, onEvent }));
    } catch (err) {
      const command = redact(step);
      const stderrTail = tail.join('\n');
      if (ctx.signal.aborted) throw new RelayError(`copy ${from} → ${to} stopped by shutdown`, command, undefined, stderrTail);
      const why = redact(err instanceof Error ? err.message : String(err));
      const hint = hintFor(why);
      const message = `copy ${from} → ${to} failed at '${command}': ${why}${hint ? ` (${hint})` : ''}`;
      throw new RelayError(message, command, undefined, stderrTail || why);
    } finally {
      await removeAll(e, cleanup, ctx.logger, ctx.signal.aborted ? SHUTDOWN_CLEANUP_TIMEOUT_MS : CLEANUP_TIMEOUT_MS);
    }
  }

  /** A pull or push under the run's retry policy: what the Engine reports tells transient from final. */
  function retried<T>(req: CopyRequest, ctx: CopyContext, touches: 'source' | 'target', what: string, op: () => Promise<T>): Promise<T> {
    return retryRelayStep({
      retry,
      req,
      logger: ctx.logger,
      signal: ctx.signal,
      touches,
      what,
      classify: classifyEngineFailure,
      textOf: (err) => (err instanceof Error ? err.message : String(err)),
      annotate: (err, note) => (err instanceof EngineError ? new EngineError(`${err.message}${note}`, err.status, { cause: err.cause }) : err),
      op,
    });
  }

  async function removeAll(e: DockerEngine, refs: readonly string[], log: Logger, timeoutMs: number): Promise<void> {
    // Target tag first: the image goes with its last reference, so nothing is left dangling.
    for (const ref of refs) {
      try {
        await e.removeImage(ref, AbortSignal.timeout(timeoutMs));
      } catch (err) {
        log.warn(`cannot remove '${ref}' from the Docker daemon: ${redact(err instanceof Error ? err.message : String(err))}`);
      }
    }
  }

  return {
    name: 'docker',
    async prepare(signal) {
      const e = engine();
      const attempts = Math.max(1, opts.pingAttempts ?? 30);
      const intervalMs = opts.pingIntervalMs ?? 10_000;
      let last = '';
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const { apiVersion } = await pingWithin(e, opts.pingTimeoutMs ?? 10_000, signal);
          if (apiVersion !== undefined && apiVersionBelow(apiVersion, opts.apiVersion)) {
            throw new EnvironmentError(
              `the Docker Engine at ${opts.host} supports API versions up to ${apiVersion}, but 'docker.api-version' asks for ${opts.apiVersion}; set 'api-version: "${apiVersion}"' under 'docker:'`,
            );
          }
          return;
        } catch (err) {
          if (err instanceof EnvironmentError) throw err;
          if (signal?.aborted) throw new EnvironmentError(`waiting for the Docker Engine at ${opts.host} was stopped`);
          last = redact(err instanceof Error ? err.message : String(err));
        }
        if (attempt < attempts) {
          opts.logger?.info(`the Docker Engine at ${opts.host} does not answer yet (${last}); retrying in ${Math.round(intervalMs / 1000)}s (${attempt}/${attempts})`);
          await sleep(intervalMs, undefined, signal ? { signal } : {}).catch(() => undefined);
          if (signal?.aborted) throw new EnvironmentError(`waiting for the Docker Engine at ${opts.host} was stopped`);
        }
      }
      throw new EnvironmentError(
        `the Docker Engine at ${opts.host} does not answer: unsuccessfully pinged it ${attempts} time(s), last error: ${last}. Start Docker, or set 'docker.dockerhost' to where it listens.`,
      );
    },
    async copy(req, ctx) {
      warnSkipTls(req, ctx.logger);
      const plan = planDockerCopy(req);
      if ('error' in plan) {
        throw new RelayError(`copy ${sourceReference(req.source)} → ${targetReference(req.target)} failed: ${plan.error}`, 'docker', undefined, plan.error);
      }
      const key = plan.pulledRef;
      const before = busy.get(key) ?? Promise.resolve();
      const mine = before.then(() => copyOnce(req, ctx, plan));
      const settled = mine.then(
        () => undefined,
        () => undefined,
      );
      busy.set(key, settled);
      try {
        await mine;
      } finally {
        if (busy.get(key) === settled) busy.delete(key);
      }
    },
    async dispose() {
      if (!('error' in engineOrError)) await engineOrError.close();
    },
  };
}

/**
 * One short ping, for choosing a relay when `relay:` is omitted (not prepare()'s 30 × 10 s).
 * Resolves with undefined when the Engine answers, else with why not.
 */
export async function probeDockerEngine(host: string, apiVersion: string, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  const e = connectEngine(host, apiVersion);
  if ('error' in e) return e.error;
  try {
    await pingWithin(e, timeoutMs, signal);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await e.close();
  }
}

/** A ping that gives up after `timeoutMs`, saying so rather than "operation aborted". */
async function pingWithin(e: DockerEngine, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ apiVersion: string | undefined }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    return await e.ping(signal ? AbortSignal.any([signal, timeout]) : timeout);
  } catch (err) {
    if (timeout.aborted && !signal?.aborted) throw new Error(`no answer within ${timeoutMs} ms`, { cause: err });
    throw err;
  }
}

/**
 * An Engine that cannot be reached may be restarting: transient. Otherwise the Engine's text
 * (it passes on what the registry answered) decides.
 */
export function classifyEngineFailure(err: unknown): Verdict {
  if (!(err instanceof EngineError)) return { retry: false };
  if (err.status === undefined && err.cause !== undefined) return { retry: true, why: 'the Docker Engine did not answer' };
  return classifyFailureText(err.message);
}
