/**
 * One config as the service runs it: read, checked, resolved into tasks, with what the
 * service itself needs (listen address, webhook secret, concurrency, this replica's shard).
 * Loading is all or nothing: any problem throws a ConfigError listing every problem, so a
 * reload can refuse a bad config and keep the good one it runs.
 */
import { readFile } from 'node:fs/promises';
import type { Vars } from '../config/env-expand.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { resolveSettings, type Settings } from '../config/resolve.js';
import { ConfigError, errorMessage, type ConfigProblem } from '../errors.js';
import { keepsRunning, type ResolvedTask } from '../model/task.js';
import { resolveTasks } from '../model/resolve-tasks.js';
import { parseListenAddress } from '../server/listen-address.js';
import type { ShardChoice, ShardSource } from '../shard/choice.js';
import { decideShard } from '../shard/shard.js';

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
  webhookToken: { value: string | undefined; file: string | undefined };
  /** `--shard` and the environment's DREGSY_SHARDS, JOB_COMPLETION_INDEX and hostname. */
  shard: ShardSource;
}

async function readToken(source: ServiceConfigSource['webhookToken']): Promise<{ token: string | undefined; problem?: string }> {
  if (source.value !== undefined) return { token: source.value };
  if (source.file === undefined) return { token: undefined };
  try {
    const token = (await readFile(source.file, 'utf8')).trim();
    return token === '' ? { token: undefined, problem: `DREGSY_WEBHOOK_TOKEN_FILE '${source.file}' is empty` } : { token };
  } catch (e) {
    return { token: undefined, problem: `cannot read DREGSY_WEBHOOK_TOKEN_FILE '${source.file}': ${(e as { code?: string }).code ?? errorMessage(e)}` };
  }
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
  const { token, problem } = await readToken(src.webhookToken);
  if (problem) problems.push({ path: '', message: problem });
  const webhookTasks = tasks.filter((t) => t.timing.webhook && !t.timing.disabled);
  if (listen === undefined) {
    for (const t of webhookTasks) {
      problems.push({ path: `tasks[${t.index}].webhook`, message: `task '${t.name}' waits for push events, but nothing listens: set 'listen' (e.g. ':8080') or pass --listen` });
    }
  } else if (token === undefined && !problem) {
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
  return { loaded, settings, tasks, listen, webhookToken: token, shard, runtimeKey };
}

/** True when the service keeps running by itself (some task is periodic or waits for events). */
export function isLongRunning(config: ServiceConfig): boolean {
  return config.tasks.some((t) => keepsRunning(t.timing));
}
