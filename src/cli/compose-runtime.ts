/**
 * Part of the composition root: builds the runtime task runs use (registry client, Docker Hub
 * client, listers, credentials, authfiles, relay, limits) from one config's global settings,
 * and starts preparing the relay. The service asks for a new one when a reload changes those
 * settings.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import pLimit from 'p-limit';
import { untilAborted } from '../abortable.js';
import { createAuthfileStore } from '../auth/authfile.js';
import { createCredentialSources } from '../auth/credential-sources.js';
import type { Environment } from '../config/environment.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import { createRepoLister } from '../mapping/repo-lister.js';
import { hostPlatform as detectHostPlatform } from '../plan/digests.js';
import { createRegistryClient } from '../registry/client.js';
import { createDockerHubClient } from '../registry/docker-hub.js';
import { RegistryHealth } from '../registry/health.js';
import { createRelay, relayForCheck } from '../relay/select-relay.js';
import type { RelayType } from '../config/schema.js';
import type { Settings } from '../config/resolve.js';
import type { WriteRecorder } from '../service/own-writes.js';
import type { Runtime } from '../service/runtime.js';
import type { ServiceConfig } from '../service/service-config.js';
import { recordingManifestWrites, recordingRelay } from '../service/write-recording.js';
import type { RunCounts } from '../sync/image-result.js';
import { runTask, type RunMode, type TaskRunDeps } from '../sync/run-task.js';

export interface RuntimeContext {
  mode: RunMode;
  force: boolean;
  env: Environment;
  logger: Logger;
  redactor: Redactor;
  configFile: string;
  onProgress: (task: string, counts: RunCounts) => void;
  /** Ends the relay's start (waiting for the Docker Engine) at a SIGINT/SIGTERM. */
  stop?: AbortSignal | undefined;
  /** Registers what must run on any exit of the process (removing the authfile folder). */
  onExit?: ((hook: () => void) => () => void) | undefined;
  /** Told of every tag a run pushes, before it pushes it (the service's write-set: own-writes.ts). */
  writes?: WriteRecorder | undefined;
}

export async function buildRuntime(config: ServiceConfig, ctx: RuntimeContext): Promise<Runtime> {
  const { settings } = config;
  const { env, logger, redactor } = ctx;
  const checkOnly = ctx.mode === 'check';
  // Its folder is made only if the relay needs one (skopeo), and goes on any exit, even an emergency.
  const authfiles = createAuthfileStore();
  const offExit = ctx.onExit?.(() => authfiles.removeNow());
  // ECR tokens are cached here for the life of the runtime; AWS, Google, docker config, auth-file.
  const credentialSources = createCredentialSources({
    logger,
    dockerConfigDir: settings.useDockerConfig ? env.dockerConfigDir : undefined,
    baseDir: dirname(resolvePath(ctx.configFile)),
    authRefreshMs: (location) => settings.authRefreshMs(location),
  });
  // One retry policy and one set of per-registry brakes for our client and every relay.
  const health = new RegistryHealth({ logger, budget: settings.retry.budget, maxDelayMs: settings.retry.maxDelayMs });
  const registry = createRegistryClient({ logger, userAgent: 'dregsy', proxy: env.proxy, retry: settings.retry, health });
  const hub = createDockerHubClient({ baseUrl: env.dockerHubApiUrl, userAgent: 'dregsy', logger, proxy: env.proxy, retry: settings.retry });
  const repoLister = createRepoLister({
    registry,
    hub,
    maxItems: settings.lister.maxItems,
    cacheMs: settings.lister.cacheMs,
    now: () => Date.now(),
    hubIndexUrl: env.dockerHubIndexUrl,
    ecr: (source, maxItems, signal) => credentialSources.listEcrRepositories(source, maxItems, signal),
    logger,
  });
  // Chosen in prepare(): skopeo or Docker, by `relay:` or by what answers (relay/select-relay.ts).
  const relay = createRelay({ settings, tasks: config.tasks.map((t) => t.config), authfiles, redactor, logger, registry, retry: { policy: settings.retry, health } });
  const dispose = async () => {
    await relay.dispose();
    await registry.close();
    await hub.close();
    await authfiles.dispose();
    offExit?.();
    credentialSources.close();
  };
  // The relay starts (skopeo --version, the Docker Engine's ping) beside the first runs, which
  // list tags and read the source before they need it: a run waits for it before it compares or
  // copies an image (TaskRunDeps.relayReady), and the service ends with its error if it cannot
  // start. What is compared depends on it: Docker rewrites manifests but keeps the image config,
  // so compare what survives the relay a sync would use (check decides it as sync does, by
  // probing, and prepares nothing).
  let compareAs: RelayType | undefined;
  const ready = checkOnly
    ? untilAborted(relayForCheckLogged(settings, logger, ctx.stop), ctx.stop).then((relay) => void (compareAs = relay))
    : untilAborted(relay.prepare(ctx.stop), ctx.stop).then(() => void (compareAs = relay.name as RelayType));
  ready.catch(() => undefined); // the service takes it from Runtime.ready
  /** `compare` read when used: the relay, which decides it, may still be starting when a run begins. */
  const comparing = (d: TaskRunDeps): TaskRunDeps =>
    Object.defineProperty(d, 'compare', { get: () => (compareAs === 'docker' ? 'config' : 'manifest'), enumerable: true, configurable: true });
  const deps: TaskRunDeps = comparing({
    registry,
    relay: checkOnly ? undefined : relay,
    logger,
    redactor,
    certsDir: settings.skopeo.certsDir,
    limitCopy: pLimit(settings.parallelCopies),
    limitCheck: pLimit(settings.parallelChecks),
    mode: ctx.mode,
    force: ctx.force,
    hostPlatform: detectHostPlatform(),
    relayReady: ready,
    compare: 'manifest', // see comparing
    onProgress: ctx.onProgress,
    listRepositories: (t, endpoint, signal, whole) => repoLister.list(t.source.lister, endpoint, signal, t.source.registry, whole),
    script: { baseDir: dirname(resolvePath(ctx.configFile)), baseEnv: env.hookEnv },
    credentialSources,
    dockerHub: hub,
    ensureTargetRepo: (t, location, target, repo, signal) => credentialSources.ensureTargetRepo(t.name, location, target, repo, signal),
  });
  const writes = ctx.writes;
  // Each run's writes are registered under its task's name (for the log that ignores their echo).
  // A spread copies `compare` as it is then: it is made a getter again (see relayReady).
  const depsOf = (task: string): TaskRunDeps =>
    writes && deps.relay ? comparing({ ...deps, relay: recordingRelay(deps.relay, writes, task), registry: recordingManifestWrites(deps.registry, writes, task) }) : deps;
  return { run: (task, scope, signals) => runTask(task, scope, depsOf(task.name), signals), dispose, registryHealth: health, ready };
}

/** The relay `check` compares for, said in the log: the choice a sync would make. */
async function relayForCheckLogged(settings: Settings, logger: Logger, signal: AbortSignal | undefined): Promise<RelayType | undefined> {
  const choice = await relayForCheck(settings, undefined, signal);
  logger.info(choice ? `check: comparing as relay '${choice.relay}' would copy (${choice.why})` : 'check: no relay can run here; comparing manifests, as skopeo would');
  return choice?.relay;
}
