/**
 * The values the rest of the program runs with, derived once from a checked config: defaults
 * filled in, deprecated keys merged, durations in milliseconds (reference §A.1–A.4).
 */
import { nsToMs } from './go-duration.js';
import type { LoadedConfig } from './load.js';
import { MINIMUM_AUTH_REFRESH_NS } from './rules.js';
import { RELAY_TYPES, type Config, type Location, type RelayType, type Task } from './schema.js';
import { yamlDuration } from './yaml-scalar.js';
import { DEFAULT_RETRY_BUDGET } from '../retry/budget.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry/policy.js';

export const DEFAULT_SKOPEO_BINARY = 'skopeo';
export const DEFAULT_CERTS_DIR = '/etc/skopeo/certs.d';
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
export const DEFAULT_DOCKER_API_VERSION = '1.41';
export const DEFAULT_LISTER_MAX_ITEMS = 100;
export const DEFAULT_LISTER_CACHE_MS = 60 * 60 * 1000;
/** Two copies at once keep a 2-core machine busy without starving the registry client. */
export const DEFAULT_PARALLEL_COPIES = 2;
export const DEFAULT_PARALLEL_CHECKS = 16;

export interface LocationSettings {
  /** How often to fetch fresh credentials (ECR); undefined: never. At least one hour. */
  authRefreshMs: number | undefined;
}

export interface TaskSettings {
  name: string;
  /** Seconds between runs; 0 runs the task once. */
  intervalSeconds: number;
  source: LocationSettings;
  target: LocationSettings;
}

export interface Settings {
  /** The relay the config asks for; undefined when `relay` is omitted (the CLI picks one). */
  relay: RelayType | undefined;
  skopeo: { binary: string; certsDir: string };
  /** After merging the deprecated top-level `dockerhost` / `api-version` as dregsy does. */
  docker: { host: string; apiVersion: string };
  lister: {
    /** Most repositories one listing returns; `Infinity` when unlimited (a negative `maxItems`). */
    maxItems: number;
    /** How long a repository list is reused; 0: not cached (a negative `cacheDuration`). */
    cacheMs: number;
  };
  watch: boolean;
  /** Locations with no `auth` / `auth-file` may use the docker config.json (`use-docker-config`). */
  useDockerConfig: boolean;
  /** Copies running at once across all tasks. */
  parallelCopies: number;
  /** Digest checks (registry HEAD requests) running at once across all tasks. */
  parallelChecks: number;
  /** Task runs at once (`concurrency.tasks`); 1 runs tasks one after the other, as dregsy does. */
  parallelTasks: number;
  /** `retry`: the policy every relay and the registry client use, and each registry's budget. */
  retry: RetryPolicy & { budget: number };
  /** One per `config.tasks` entry, same order. */
  tasks: TaskSettings[];
  /** The interval of one of `config.tasks` (0 = one-off). */
  intervalSeconds(task: Task): number;
  /** The credential refresh of one of the tasks' `source` / `target`. */
  authRefreshMs(location: Location): number | undefined;
}

function relayOf(config: Config): RelayType | undefined {
  return RELAY_TYPES.find((r) => r === config.relay);
}

function dockerOf(config: Config): Settings['docker'] {
  // dregsy: a `docker:` section wins; without one, the top-level keys fill it in (not with skopeo)
  const section = config.docker ?? (config.relay === 'skopeo' ? undefined : { dockerhost: config.dockerhost, 'api-version': config['api-version'] });
  return {
    host: section?.dockerhost || DEFAULT_DOCKER_HOST,
    apiVersion: section?.['api-version'] || DEFAULT_DOCKER_API_VERSION,
  };
}

function listerOf(config: Config): Settings['lister'] {
  const maxItems = config.lister?.maxItems ?? 0;
  const cache = config.lister?.cacheDuration === undefined ? undefined : yamlDuration(config.lister.cacheDuration);
  const cacheNs = cache?.ok ? cache.ns : 0n;
  return {
    maxItems: maxItems === 0 ? DEFAULT_LISTER_MAX_ITEMS : maxItems < 0 ? Number.POSITIVE_INFINITY : maxItems,
    cacheMs: cacheNs === 0n ? DEFAULT_LISTER_CACHE_MS : cacheNs < 0n ? 0 : nsToMs(cacheNs),
  };
}

function authRefreshOf(location: Location): number | undefined {
  const text = location['auth-refresh'];
  if (text === undefined) return undefined;
  const d = yamlDuration(text);
  if (!d.ok) return undefined;
  return nsToMs(d.ns < MINIMUM_AUTH_REFRESH_NS ? MINIMUM_AUTH_REFRESH_NS : d.ns);
}

function retryOf(config: Config): Settings['retry'] {
  const maxDelay = config.retry?.['max-delay'] === undefined ? undefined : yamlDuration(config.retry['max-delay']);
  return {
    ...DEFAULT_RETRY_POLICY,
    attempts: config.retry?.attempts ?? DEFAULT_RETRY_POLICY.attempts,
    maxDelayMs: maxDelay?.ok && maxDelay.ns > 0n ? nsToMs(maxDelay.ns) : DEFAULT_RETRY_POLICY.maxDelayMs,
    budget: config.retry?.budget ?? DEFAULT_RETRY_BUDGET,
  };
}

export function resolveSettings(loaded: LoadedConfig): Settings {
  const { config } = loaded;
  const byTask = new WeakMap<Task, TaskSettings>();
  const byLocation = new WeakMap<Location, LocationSettings>();
  const tasks = (config.tasks ?? []).map((task) => {
    const source = { authRefreshMs: authRefreshOf(task.source) };
    byLocation.set(task.source, source);
    // `target`, or each of `targets` (not in dregsy); `target` here is the first one.
    const targets = [...(task.target ? [task.target] : []), ...(task.targets ?? [])].map((location) => {
      const settings = { authRefreshMs: authRefreshOf(location) };
      byLocation.set(location, settings);
      return settings;
    });
    const target = targets[0] ?? { authRefreshMs: undefined };
    const settings: TaskSettings = { name: task.name, intervalSeconds: task.interval ?? 0, source, target };
    byTask.set(task, settings);
    return settings;
  });
  return {
    relay: relayOf(config),
    skopeo: {
      binary: config.skopeo?.binary || DEFAULT_SKOPEO_BINARY,
      certsDir: config.skopeo?.['certs-dir'] || DEFAULT_CERTS_DIR,
    },
    docker: dockerOf(config),
    lister: listerOf(config),
    watch: config.watch ?? false,
    useDockerConfig: config['use-docker-config'] ?? true,
    parallelCopies: config.concurrency?.copies ?? DEFAULT_PARALLEL_COPIES,
    parallelChecks: config.concurrency?.checks ?? DEFAULT_PARALLEL_CHECKS,
    parallelTasks: config.concurrency?.tasks ?? 1,
    retry: retryOf(config),
    tasks,
    intervalSeconds: (task) => byTask.get(task)?.intervalSeconds ?? task.interval ?? 0,
    authRefreshMs: (location) => (byLocation.has(location) ? byLocation.get(location)?.authRefreshMs : authRefreshOf(location)),
  };
}
