/**
 * Which relay a run uses. `relay: skopeo|docker|native` is taken as written (native, copying
 * inside this process, is never picked on its own). With `relay:` omitted
 * we pick skopeo when its binary answers, else Docker when the Engine answers a short ping,
 * else stop with an error that names both reasons. (dregsy's default is always docker; skopeo
 * copies images unchanged, so it comes first here.) The log says which relay runs and why.
 */
import type { AuthfileStore } from '../auth/authfile.js';
import type { Settings } from '../config/resolve.js';
import type { RelayType, Task } from '../config/schema.js';
import { EnvironmentError } from '../errors.js';
import { runProcess } from '../exec/exec.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import { parsePlatform } from '../plan/platform.js';
import type { RegistryWrites } from '../registry/write.js';
import { createDockerRelay, probeDockerEngine, type DockerRelayOptions } from './docker/docker-relay.js';
import { createNativeRelay } from './native/native-relay.js';
import type { CopyContext, FanOutRequest, Relay } from './relay.js';
import type { RelayRetry } from './relay-retry.js';
import { createSkopeoRelay } from './skopeo/skopeo-relay.js';

/** Whether a relay can run here: what answered, or why nothing did. */
export type ProbeResult = { ok: true; detail: string } | { ok: false; reason: string };

export interface RelayProbes {
  skopeo(binary: string, signal?: AbortSignal): Promise<ProbeResult>;
  docker(host: string, apiVersion: string, signal?: AbortSignal): Promise<ProbeResult>;
}

export interface RelayChoice {
  relay: RelayType;
  why: string;
  /** Its binary answered the probe already (skopeo chosen automatically): prepare() need not ask again. */
  probed?: boolean;
}

type RelaySettings = Pick<Settings, 'relay' | 'skopeo' | 'docker'>;

/** How long the auto-selection waits for the Engine; prepare() of `relay: docker` waits longer. */
const DOCKER_PROBE_TIMEOUT_MS = 3_000;

export const realProbes: RelayProbes = {
  async skopeo(binary, signal) {
    const r = await runProcess(binary, ['--version'], { ...(signal ? { signal } : {}), timeoutMs: 10_000 });
    if (r.spawnError === undefined && r.exitCode === 0) return { ok: true, detail: r.stdout.trim() || binary };
    return { ok: false, reason: r.spawnError ?? (r.stderr.trim() || `'${binary} --version' exit code ${String(r.exitCode)}`) };
  },
  async docker(host, apiVersion, signal) {
    const reason = await probeDockerEngine(host, apiVersion, DOCKER_PROBE_TIMEOUT_MS, signal);
    return reason === undefined ? { ok: true, detail: host } : { ok: false, reason };
  },
};

/** The decision alone: no relay is created, only the probes run (and only when needed). */
export async function chooseRelay(settings: RelaySettings, probes: RelayProbes, signal?: AbortSignal): Promise<RelayChoice> {
  if (settings.relay !== undefined) return { relay: settings.relay, why: `set by 'relay: ${settings.relay}'` };
  const skopeo = await probes.skopeo(settings.skopeo.binary, signal);
  if (skopeo.ok) return { relay: 'skopeo', why: `'relay' is not set and skopeo answers (${skopeo.detail})`, probed: true };
  const skopeoWhy = `skopeo ('${settings.skopeo.binary}') cannot run: ${skopeo.reason}`;
  const docker = await probes.docker(settings.docker.host, settings.docker.apiVersion, signal);
  if (docker.ok) return { relay: 'docker', why: `'relay' is not set, ${skopeoWhy}, and the Docker Engine answers` };
  throw new EnvironmentError(
    `no relay can run: 'relay' is not set, ${skopeoWhy}, and the Docker Engine at ${settings.docker.host} does not answer (${docker.reason}). ` +
      "Install skopeo or set 'skopeo.binary'; or start Docker and set 'docker.dockerhost'; or set 'relay' to say which one to wait for.",
  );
}

/**
 * For `check`: the relay a sync would choose, by the same probes, without preparing it, so
 * check compares what that relay keeps (Docker: the image config, not the manifest).
 * Undefined when none could run; a sync would then stop with chooseRelay's error.
 */
export async function relayForCheck(settings: RelaySettings, probes: RelayProbes = realProbes, signal?: AbortSignal): Promise<RelayChoice | undefined> {
  try {
    return await chooseRelay(settings, probes, signal);
  } catch (e) {
    if (e instanceof EnvironmentError) return undefined;
    throw e;
  }
}

/** Every mapping that asks for all platforms, which Docker cannot copy, as `task 'x' mappings[j]`. */
export function allPlatformMappings(tasks: readonly Task[]): string[] {
  return tasks.flatMap((task) =>
    (task.mappings ?? []).flatMap((m, j) => {
      const p = parsePlatform(m.platform);
      return 'kind' in p && p.kind === 'all' ? [`task '${task.name}' mappings[${j}]`] : [];
    }),
  );
}

export interface RelaySetup {
  settings: RelaySettings;
  /** The tasks that will run: a relay chosen automatically must be able to copy them. */
  tasks: readonly Task[];
  authfiles: AuthfileStore;
  redactor: Redactor;
  logger: Logger;
  probes?: RelayProbes;
  /**
   * The run's registry client, for `relay: native`: copies then share its connections, tokens
   * and proxy settings. Without it the native relay opens a client of its own.
   */
  registry: RegistryWrites;
  /** Overrides for the Docker relay (tests wait less; `keepImages`). */
  docker?: Pick<DockerRelayOptions, 'pingAttempts' | 'pingIntervalMs' | 'keepImages'>;
  /** The run's retry policy and registry budgets, shared with the registry client. */
  retry?: RelayRetry;
}

/**
 * The relay a run uses, decided in prepare(): nothing is probed until then, so a dry run
 * (`check`) that never prepares the relay needs neither skopeo nor Docker.
 */
export function createRelay(setup: RelaySetup): Relay {
  let chosen: Relay | undefined;
  const ready = (): Relay => {
    if (!chosen) throw new Error('relay used before prepare()');
    return chosen;
  };
  return {
    get name() {
      return ready().name;
    },
    async prepare(signal) {
      const choice = await chooseRelay(setup.settings, setup.probes ?? realProbes, signal);
      const { skopeo, docker } = setup.settings;
      if (choice.relay === 'docker') {
        const all = allPlatformMappings(setup.tasks);
        // Config loading rejects these with `relay: docker`; here docker was picked for the user.
        if (all.length > 0) {
          throw new EnvironmentError(`relay 'docker' (${choice.why}) does not support mappings with 'platform: all': ${all.join(', ')}. Install skopeo.`);
        }
      }
      const relay =
        choice.relay === 'skopeo'
          ? createSkopeoRelay({ binary: skopeo.binary, certsDir: skopeo.certsDir, authfiles: setup.authfiles, redactor: setup.redactor, answered: choice.probed === true, ...retryOf(setup) })
          : choice.relay === 'native'
            ? nativeRelay(setup)
            : createDockerRelay({ host: docker.host, apiVersion: docker.apiVersion, redactor: setup.redactor, logger: setup.logger, ...setup.docker, ...retryOf(setup) });
      try {
        await relay.prepare(signal);
      } catch (e) {
        await relay.dispose();
        throw e;
      }
      chosen = relay;
      const where = choice.relay === 'skopeo' ? skopeo.binary : choice.relay === 'native' ? 'in-process' : `${docker.host}, API ${docker.apiVersion}`;
      setup.logger.info(`relay: ${choice.relay} (${where}): ${choice.why}`);
    },
    copy: (req, ctx) => ready().copy(req, ctx),
    // There exactly when the chosen relay has it (native): callers copy target by target otherwise.
    get copyToMany() {
      const many = chosen?.copyToMany?.bind(chosen);
      return many && ((req: FanOutRequest, ctx: CopyContext) => many(req, ctx));
    },
    get batch() {
      return ready().batch;
    },
    async dispose() {
      await chosen?.dispose();
    },
  };
}

function retryOf(setup: RelaySetup): { retry?: RelayRetry } {
  return setup.retry ? { retry: setup.retry } : {};
}

function nativeRelay(setup: RelaySetup): Relay {
  return createNativeRelay({ registry: setup.registry, redactor: setup.redactor });
}
