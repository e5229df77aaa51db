/**
 * One config as the service runs it: read, checked, resolved into tasks, with what the
 * service itself needs (listen address, webhook secret, concurrency, this replica's shard).
 * Loading is all or nothing: any problem throws a ConfigError listing every problem, so a
 * reload can refuse a bad config and keep the good one it runs.
 */
import { readTextFile, TextFileError } from '../files/read-text-file.js';
import type { Vars } from '../config/env-expand.js';
import { nsToMs } from '../config/go-duration.js';
import { yamlDuration } from '../config/yaml-scalar.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { resolveSettings, type Settings } from '../config/resolve.js';
import { ConfigError, errorMessage, type ConfigProblem } from '../errors.js';
import { keepsRunning, type ResolvedTask } from '../model/task.js';
import { resolveTasks } from '../model/resolve-tasks.js';
import { isLoopbackHost, parseListenAddress } from '../server/listen-address.js';
import type { ShardChoice, ShardSource } from '../shard/choice.js';
import { decideShard } from '../shard/shard.js';

/** `api.stuck-after` when not set: a run longer than this is taken for a hung one. */
export const DEFAULT_STUCK_AFTER_MS = 6 * 3_600_000;

/** The operations surface (status API, page, probes, metrics) as one config has it. */
export interface ApiSettings {
  /** The API's bearer token; never logged. Undefined: the API is open (loopback, or allowed). */
  token: string | undefined;
  /** `api.allow-no-token` or `--api-insecure`: open beyond loopback was asked for. */
  allowNoToken: boolean;
  /** A run longer than this makes `/healthz` fail; undefined: never. */
  stuckAfterMs: number | undefined;
}

export interface ServiceConfig {
  loaded: LoadedConfig;
  settings: Settings;
  /** The tasks `-run` selects, resolved, in config order. */
  tasks: ResolvedTask[];
  /** `--listen`, else `listen:`; undefined: no listener. */
  listen: string | undefined;
  /** The webhook endpoints' shared secret; never logged. */
  webhookToken: string | undefined;
  /** This replica's share of full runs (src/shard/), decided for this config's `shards`. */
  shard: ShardChoice;
  api: ApiSettings;
  /** Canonical text of the settings the runtime is built from: equal keys, no rebuild on reload. */
  runtimeKey: string;
}

export interface ServiceConfigSource {
  file: string;
  vars: Vars | undefined;
  /** `-run`: which tasks. */
  filter: (name: string) => boolean;
  /** `--listen`, which wins over `listen:`. */
  listenFlag: string | undefined;
  webhookToken: TokenSource;
  apiToken: TokenSource;
  /** `--api-insecure`. */
  apiInsecure: boolean;
  /** False for `check`, which never listens: no secret is needed then. */
  serve: boolean;
  /** `--shard` and the environment's DREGSY_SHARDS, JOB_COMPLETION_INDEX and hostname. */
  shard: ShardSource;
}

/** A secret from the environment (`value`) or from a file it names (`file`). */
export interface TokenSource {
  value: string | undefined;
  file: string | undefined;
}

const TOKEN_FILE_MAX_BYTES = 64 * 1024;

/** Reads a token; `variable` names the `_FILE` variable in messages. Exported for the CLI's API client. */
export async function readToken(source: TokenSource, variable: string): Promise<{ token: string | undefined; problem?: string }> {
  if (source.value !== undefined) return { token: source.value };
  if (source.file === undefined) return { token: undefined };
  try {
    // a FIFO, a device or a huge file named here must not hang or exhaust the start
    const token = (await readTextFile(source.file, { maxBytes: TOKEN_FILE_MAX_BYTES })).trim();
    return token === '' ? { token: undefined, problem: `${variable} '${source.file}' is empty` } : { token };
  } catch (e) {
    return { token: undefined, problem: `cannot read ${variable} '${source.file}': ${e instanceof TextFileError ? e.reason : errorMessage(e)}` };
  }
}

function stuckAfterMs(text: string | undefined): number | undefined {
  if (text === undefined) return DEFAULT_STUCK_AFTER_MS;
  const d = yamlDuration(text);
  if (!d.ok || d.ns <= 0n) return undefined; // 0 turns the check off; negative is refused by rules.ts
  return nsToMs(d.ns);
}

export async function loadServiceConfig(src: ServiceConfigSource): Promise<ServiceConfig> {
  const loaded = await loadConfig(src.file, src.vars);
  const settings = resolveSettings(loaded);
  const tasks = resolveTasks(loaded.config).filter((t) => src.filter(t.name));
  const listen = src.listenFlag ?? loaded.config.listen;
  const problems: ConfigProblem[] = [];
  if (src.listenFlag !== undefined) {
    const parsed = parseListenAddress(src.listenFlag);
    if (!parsed.ok) problems.push({ path: '', message: `--listen: ${parsed.message}` });
  }
  const shard = decideShard({ ...src.shard, configCount: loaded.config.shards });
  if (shard.kind === 'error') problems.push({ path: '', message: shard.message });
  const { token, problem } = await readToken(src.webhookToken, 'DREGSY_WEBHOOK_TOKEN_FILE');
  if (problem) problems.push({ path: '', message: problem });
  const api = await apiSettings(src, loaded.config.api, listen, problems);
  const webhookTasks = tasks.filter((t) => t.timing.webhook && !t.timing.disabled);
  if (listen === undefined) {
    for (const t of webhookTasks) {
      problems.push({ path: `tasks[${t.index}].webhook`, message: `task '${t.name}' waits for push events, but nothing listens: set 'listen' (e.g. ':8080') or pass --listen` });
    }
  } else if (src.serve && token === undefined && !problem && webhookTasks.length > 0) {
    // Without webhook tasks the listener may serve only the API, metrics and probes: the
    // webhook endpoints then refuse every request (401).
    problems.push({ path: 'listen', message: 'the webhook and trigger endpoints need a shared secret: set DREGSY_WEBHOOK_TOKEN or DREGSY_WEBHOOK_TOKEN_FILE' });
  }
  if (problems.length > 0 || shard.kind === 'error') throw new ConfigError(loaded.file, problems);
  const runtimeKey = JSON.stringify({
    relay: settings.relay,
    skopeo: settings.skopeo,
    docker: settings.docker,
    lister: settings.lister,
    useDockerConfig: settings.useDockerConfig,
    copies: settings.parallelCopies,
    checks: settings.parallelChecks,
  });
  return { loaded, settings, tasks, listen, webhookToken: token, shard, api, runtimeKey };
}

/**
 * The API's token and its guard: a listener beyond loopback with no token would let anyone
 * who reaches the port pause tasks, so it needs `api.allow-no-token` or `--api-insecure`.
 */
async function apiSettings(src: ServiceConfigSource, section: LoadedConfig['config']['api'], listen: string | undefined, problems: ConfigProblem[]): Promise<ApiSettings> {
  const { token, problem } = await readToken(src.apiToken, 'DREGSY_API_TOKEN_FILE');
  if (problem) problems.push({ path: '', message: problem });
  const allowNoToken = src.apiInsecure || section?.['allow-no-token'] === true;
  const address = listen === undefined ? undefined : parseListenAddress(listen);
  if (src.serve && address?.ok && token === undefined && !problem && !allowNoToken && !isLoopbackHost(address.host)) {
    problems.push({
      path: 'listen',
      message: `the status API on '${listen}' would answer anyone who reaches it: set DREGSY_API_TOKEN or DREGSY_API_TOKEN_FILE, listen on loopback (127.0.0.1), or allow it without a token (api.allow-no-token: true or --api-insecure)`,
    });
  }
  return { token, allowNoToken, stuckAfterMs: stuckAfterMs(section?.['stuck-after']) };
}

/** True when the service keeps running by itself (some task is periodic or waits for events). */
export function isLongRunning(config: ServiceConfig): boolean {
  return config.tasks.some((t) => keepsRunning(t.timing));
}
