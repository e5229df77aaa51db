/**
 * dregsy's validation rules (reference §A.1–A.7) with its messages, each as a finding with
 * its path. dregsy stops at the first problem; we check everything and report it all.
 *
 * The rules read the raw data (scalars as text) through the schema's own field types, so a
 * rule runs even where another part of the file is broken; a field the schema rejects reads
 * as missing here, and its problem comes from the schema.
 */
import type { z } from 'zod';
import { AuthDecodeError, decodeAuth } from '../auth/credentials.js';
import { parsePathMapping, selectsFromList } from '../mapping/path-mapping.js';
import { parsePlatform } from '../plan/platform.js';
import { parseCron } from '../schedule/cron.js';
import { parseListenAddress } from '../server/listen-address.js';
import { parseTagSet } from '../tags/tag-set.js';
import type { PathSegment } from './config-path.js';
import { error, warning, type Finding } from './finding.js';
import { formatGoDuration } from './go-duration.js';
import { plannedLocation, plannedRepoList, type LocationFacts } from './planned.js';
import { ecrInfo, isDockerHubListerHost, type EcrInfo } from './registry-host.js';
import {
  LISTER_TYPES,
  RELAY_TYPES,
  configSchema,
  hookSchema,
  listerSchema,
  locationSchema,
  mappingSchema,
  taskSchema,
} from './schema.js';
import { checkExtrasRules } from './extras-rules.js';
import { checkNameLists, checkScriptLister, rawLister } from './selection-rules.js';
import { checkStrictRules } from './strict-rules.js';
import { checkTargets, targetLocations } from './targets-rules.js';
import { yamlDuration } from './yaml-scalar.js';

export const MINIMUM_TASK_INTERVAL_S = 30;
export const MINIMUM_AUTH_REFRESH_NS = 3_600_000_000_000n;

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One field of a raw mapping, read through its schema type; undefined when absent or invalid. */
function read<S extends z.ZodObject, K extends keyof S['shape'] & string>(schema: S, raw: unknown, key: K): z.output<S['shape'][K]> | undefined {
  if (!isRecord(raw)) return undefined;
  const result = (schema.shape[key] as z.ZodType).safeParse(raw[key]);
  return result.success ? (result.data as z.output<S['shape'][K]>) : undefined;
}

export function checkRules(raw: unknown): Finding[] {
  const config = isRecord(raw) ? raw : {};
  const findings: Finding[] = [...checkRelay(config), ...checkGlobalLister(config), ...checkConcurrency(config), ...checkShards(config), ...checkDockerPlatforms(config), ...checkListen(config), ...checkApi(config)];
  if (Array.isArray(config.tasks)) {
    config.tasks.forEach((task, i) => {
      if (isRecord(task)) findings.push(...checkTask(task, ['tasks', i]));
    });
    findings.push(...checkDuplicateNames(config.tasks));
  }
  findings.push(...checkExtrasRules(config), ...checkStrictRules(raw));
  return findings;
}

/** §A.1: relay type and the deprecated top-level `dockerhost` / `api-version`. */
function checkRelay(config: Raw): Finding[] {
  const out: Finding[] = [];
  const relay = read(configSchema, config, 'relay');
  const dockerhost = read(configSchema, config, 'dockerhost') || undefined;
  const apiVersion = read(configSchema, config, 'api-version') || undefined;
  const hasDockerSection = isRecord(config.docker); // `docker:` with no value is nil in dregsy
  if (relay && !(RELAY_TYPES as readonly string[]).includes(relay)) {
    out.push(error(['relay'], `invalid relay type: '${relay}', must be either 'docker', 'skopeo' or 'native'`));
    return out;
  }
  if (relay === 'skopeo' || relay === 'native') {
    if (dockerhost) out.push(error(['dockerhost'], `setting 'dockerhost' implies 'docker' relay, but relay is set to '${relay}'`));
    // dregsy ignores it silently here
    if (apiVersion) out.push(warning(['api-version'], `the top-level 'api-version' setting is deprecated, and has no effect with relay '${relay}'`));
    return out;
  }
  // relay docker, or omitted (dregsy's default is docker)
  if (hasDockerSection) {
    const discard = (key: string) => `discarding deprecated top-level '${key}' setting and using 'docker' config item instead`;
    if (dockerhost) out.push(warning(['dockerhost'], discard('dockerhost')));
    if (apiVersion) out.push(warning(['api-version'], discard('api-version')));
  } else {
    if (relay === 'docker' && !dockerhost && !apiVersion) {
      out.push(warning(['relay'], "not specifying the 'docker' config item is deprecated"));
    }
    const deprecated = (key: string) => `the top-level '${key}' setting is deprecated, use 'docker' config item instead`;
    if (dockerhost) out.push(warning(['dockerhost'], deprecated('dockerhost')));
    if (apiVersion) out.push(warning(['api-version'], deprecated('api-version')));
  }
  return out;
}

/** §A.2: dregsy refuses `platform: all` with relay docker when it creates the relay. */
function checkDockerPlatforms(config: Raw): Finding[] {
  if (read(configSchema, config, 'relay') !== 'docker' || !Array.isArray(config.tasks)) return [];
  const out: Finding[] = [];
  config.tasks.forEach((task, i) => {
    if (!isRecord(task) || !Array.isArray(task.mappings)) return;
    task.mappings.forEach((mapping, j) => {
      const parsed = parsePlatform(read(mappingSchema, mapping, 'platform'));
      if ('kind' in parsed && parsed.kind === 'all') {
        out.push(error(['tasks', i, 'mappings', j, 'platform'], "relay 'docker' does not support mappings with 'platform: all'"));
      }
    });
  });
  return out;
}

/** §A.4 global `lister:`. */
function checkGlobalLister(config: Raw): Finding[] {
  const lister = config.lister;
  if (!isRecord(lister)) return [];
  const shape = configSchema.shape.lister.unwrap().unwrap();
  const out: Finding[] = [];
  const maxItems = read(shape, lister, 'maxItems');
  if (maxItems !== undefined && maxItems < 0) {
    out.push(warning(['lister', 'maxItems'], 'lister items set to unlimited, may cause excessive network traffic'));
  }
  const cache = read(shape, lister, 'cacheDuration');
  const d = cache === undefined ? undefined : yamlDuration(cache);
  if (d?.ok) {
    if (d.ns < 0n) {
      out.push(warning(['lister', 'cacheDuration'], 'lister cache turned off, may cause excessive network traffic and/or rate limits'));
    } else if (d.fromNumber && d.ns > 0n) {
      out.push(
        warning(
          ['lister', 'cacheDuration'],
          `a bare number is nanoseconds (as in dregsy), so this is ${formatGoDuration(d.ns)}; write a duration such as '30m' or '1h'`,
        ),
      );
    }
  }
  return out;
}

/** Not in dregsy: `concurrency.copies` / `concurrency.checks` need at least one slot to make progress. */
function checkConcurrency(config: Raw): Finding[] {
  const section = config.concurrency;
  if (!isRecord(section)) return [];
  const shape = configSchema.shape.concurrency.unwrap().unwrap();
  const out: Finding[] = [];
  for (const key of ['copies', 'checks', 'tasks'] as const) {
    const n = read(shape, section, key);
    if (n !== undefined && n < 1) out.push(error(['concurrency', key], `must be at least 1, got ${n}`));
  }
  return out;
}

/** Not in dregsy: how many replicas split the images (src/shard/). */
function checkShards(config: Raw): Finding[] {
  const n = read(configSchema, config, 'shards');
  return n !== undefined && n < 1 ? [error(['shards'], `must be at least 1, got ${n}`)] : [];
}

/** Not in dregsy: where the webhook and trigger endpoints listen. */
function checkListen(config: Raw): Finding[] {
  const listen = read(configSchema, config, 'listen');
  if (listen === undefined) return [];
  const parsed = parseListenAddress(listen);
  return parsed.ok ? [] : [error(['listen'], parsed.message)];
}

/** Not in dregsy: the operations surface's settings. */
function checkApi(config: Raw): Finding[] {
  const section = config.api;
  if (!isRecord(section)) return [];
  const after = read(configSchema.shape.api.unwrap().unwrap(), section, 'stuck-after');
  const d = after === undefined ? undefined : yamlDuration(after);
  return d?.ok && d.ns < 0n ? [error(['api', 'stuck-after'], 'must not be negative (0 turns the check off)')] : [];
}

/** Not in dregsy: when a task runs (schedule, webhook, delay, run-on-start) and its hook. */
function checkTiming(task: Raw, path: PathSegment[], interval: number | undefined): Finding[] {
  const out: Finding[] = [];
  const schedule = read(taskSchema, task, 'schedule');
  const hasSchedule = schedule !== undefined && schedule.trim() !== '';
  if (hasSchedule) {
    const parsed = parseCron(schedule);
    if (!parsed.ok) out.push(error([...path, 'schedule'], `invalid schedule '${schedule}': ${parsed.message}`));
    if (interval !== undefined && interval > 0) out.push(error([...path, 'schedule'], "'schedule' and 'interval' cannot both be set: use one"));
  }
  const delay = read(taskSchema, task, 'delay');
  const d = delay === undefined ? undefined : yamlDuration(delay);
  if (d?.ok && d.ns < 0n) out.push(error([...path, 'delay'], 'must not be negative'));
  else if (d?.ok && d.fromNumber && d.ns > 0n) {
    out.push(warning([...path, 'delay'], `a bare number is nanoseconds, so this is ${formatGoDuration(d.ns)}; write a duration such as '2s'`));
  }
  const webhook = read(taskSchema, task, 'webhook') === true;
  const periodic = (interval !== undefined && interval > 0) || hasSchedule;
  if (read(taskSchema, task, 'run-on-start') === false && !periodic && !webhook && read(taskSchema, task, 'disable') !== true) {
    out.push(warning([...path, 'run-on-start'], "this task never runs by itself (no 'interval', 'schedule' or 'webhook'); only POST /trigger/<task> runs it"));
  }
  const hooks = task.hooks;
  const hook = isRecord(hooks) ? hooks['after-sync'] : undefined;
  if (isRecord(hook)) {
    const timeout = read(hookSchema, hook, 'timeout');
    const t = timeout === undefined ? undefined : yamlDuration(timeout);
    if (t?.ok && t.ns <= 0n) out.push(error([...path, 'hooks', 'after-sync', 'timeout'], 'must be more than 0'));
  }
  return out;
}

/** §A.3, in dregsy's order: name, interval, source, target, mappings, repository list. */
function checkTask(task: Raw, path: PathSegment[]): Finding[] {
  const out: Finding[] = [];
  const name = read(taskSchema, task, 'name') ?? '';
  const interval = read(taskSchema, task, 'interval');
  if (interval !== undefined && interval > 0 && interval < MINIMUM_TASK_INTERVAL_S) {
    out.push(error([...path, 'interval'], `minimum task interval is ${MINIMUM_TASK_INTERVAL_S} seconds`));
  } else if (interval !== undefined && interval < 0) {
    out.push(error([...path, 'interval'], 'task interval needs to be 0 or a positive integer'));
  }
  out.push(...checkTiming(task, path, interval));
  const locations: Finding[] = [];
  const source = checkLocation(task.source, [...path, 'source'], 'source', locations);
  // `target`, or each of `targets` (not in dregsy)
  locations.push(...checkTargets(task, path));
  for (const t of targetLocations(task, path)) checkLocation(t.raw, t.path, 'target', locations);
  out.push(...locations.map((f) => withLocationPrefix(f, name)));

  let usesRepoList = false;
  const mappings = task.mappings;
  if (Array.isArray(mappings)) {
    mappings.forEach((mapping, j) => {
      if (!isRecord(mapping)) return;
      const from = checkMapping(mapping, [...path, 'mappings', j], out);
      usesRepoList ||= from !== undefined && selectsFromList(from);
    });
  }
  if (source) {
    const repoList = checkRepoList(source, usesRepoList);
    out.push(...repoList.map((f) => (f.severity === 'error' ? { ...f, message: `cannot create repo list for task '${name}': ${f.message}` } : f)));
  }
  const located: { role: 'source' | 'target'; raw: unknown; path: PathSegment[] }[] = [
    { role: 'source', raw: task.source, path: [...path, 'source'] },
    ...targetLocations(task, path).map((t) => ({ role: 'target' as const, ...t })),
  ];
  for (const l of located) {
    const lister = rawLister(l.raw);
    if (lister) out.push(...checkScriptLister(lister, l.path, read(listerSchema, lister, 'type'), l.role, usesRepoList));
  }
  return out;
}

/**
 * dregsy wraps a location's problems as `source registry in task 'X' invalid: …`; users and
 * their scripts know that text, so it stays in front of the message (after our file, line and
 * path). For the checks here and the schema's findings (load.ts) alike.
 */
export function withLocationPrefix(f: Finding, taskName: string): Finding {
  const role = f.path[2];
  if (f.severity !== 'error' || f.path[0] !== 'tasks' || (role !== 'source' && role !== 'target')) return f;
  return { ...f, message: `${role} registry in task '${taskName}' invalid: ${f.message}` };
}

/** The name of `tasks[i]` as the schema reads it ('' when it has none), for messages. */
export function taskNameAt(raw: unknown, index: PathSegment | undefined): string {
  const tasks = isRecord(raw) && Array.isArray(raw.tasks) ? raw.tasks : [];
  return (typeof index === 'number' ? read(taskSchema, tasks[index], 'name') : undefined) ?? '';
}

interface CheckedLocation extends LocationFacts {
  listerType: string | undefined;
  listerSearch: string | undefined;
  listerValid: boolean;
}

/** §A.4 / §A.7: one `source` or `target`; returns its facts when it has a registry. */
function checkLocation(raw: unknown, path: PathSegment[], role: 'source' | 'target', out: Finding[]): CheckedLocation | undefined {
  if (!isRecord(raw)) return undefined; // nil or not a mapping: the schema says so

  let listerType: string | undefined;
  let listerSearch: string | undefined;
  let listerValid = true;
  if (isRecord(raw.lister)) {
    listerType = read(listerSchema, raw.lister, 'type');
    listerSearch = read(listerSchema, raw.lister, 'search');
    if (listerType === undefined && raw.lister.type == null) {
      out.push(error([...path, 'lister'], 'no lister type set'));
      listerValid = false;
    } else if (listerType !== undefined && !(LISTER_TYPES as readonly string[]).includes(listerType)) {
      out.push(error([...path, 'lister', 'type'], `invalid lister type: ${listerType}`));
      listerValid = false;
    }
  }

  const auth = read(locationSchema, raw, 'auth');
  if (auth !== undefined && auth !== '') {
    try {
      decodeAuth(auth);
    } catch (e) {
      // AuthDecodeError messages never contain the value; anything else gets no detail at all
      out.push(error([...path, 'auth'], e instanceof AuthDecodeError ? e.message : 'invalid Auth'));
    }
  }

  const authFile = read(locationSchema, raw, 'auth-file');
  if (authFile && auth) {
    out.push(error([...path, 'auth-file'], "'auth' and 'auth-file' cannot both be set: use one"));
  }

  const registry = read(locationSchema, raw, 'registry');
  if (!registry) return undefined; // `registry not set` comes from the schema

  const ecr = ecrInfo(registry);
  const refreshText = read(locationSchema, raw, 'auth-refresh');
  const refresh = refreshText === undefined ? undefined : yamlDuration(refreshText);
  if (refresh?.ok) {
    // dregsy raises any value below the minimum first, so even `0` counts as wanting a refresh
    if (!ecr.ecr) {
      out.push(error([...path, 'auth-refresh'], `'${registry}' wants authentication refresh, but is not an ECR registry`));
    } else {
      if (refresh.ns < MINIMUM_AUTH_REFRESH_NS) out.push(warning([...path, 'auth-refresh'], 'auth-refresh too short, setting to minimum'));
      out.push(...ecrRefreshNotes(path, registry, ecr, auth, authFile));
    }
  }

  const facts: CheckedLocation = {
    path,
    role,
    registry,
    auth,
    authRefresh: refresh?.ok === true,
    ecr,
    listerType,
    listerSearch,
    listerValid,
  };
  out.push(...plannedLocation(facts));
  return facts;
}

/** What `auth-refresh` on an ECR registry does that a reader of the config may not expect. */
function ecrRefreshNotes(path: PathSegment[], registry: string, ecr: EcrInfo, auth: string | undefined, authFile: string | undefined): Finding[] {
  if (!ecr.ecr) return [];
  // dregsy's refresher does nothing without an account: anonymous public ECR pulls keep working
  if (ecr.public && !ecr.account) {
    return [warning([...path, 'auth-refresh'], `no AWS account in '${registry}' (write '<account>[:<region>]@public.ecr.aws'): no credentials are fetched, access is anonymous`)];
  }
  // dregsy's refresher replaces `auth` with what AWS returns
  const given = auth ? 'auth' : authFile ? 'auth-file' : undefined;
  return given ? [warning([...path, given], `not used: credentials for this ECR registry are fetched from AWS ('auth-refresh')`)] : [];
}

/** §A.5: one mapping; returns its `from` when it has one. */
function checkMapping(mapping: Raw, path: PathSegment[], out: Finding[]): string | undefined {
  const from = read(mappingSchema, mapping, 'from');
  const to = read(mappingSchema, mapping, 'to');
  if (from) {
    const paths = parsePathMapping(from, to);
    if (!paths.ok) for (const p of paths.problems) out.push(error([...path, p.field], p.message));
  }
  const tags = read(mappingSchema, mapping, 'tags');
  if (tags) {
    const set = parseTagSet(tags);
    if (!set.ok) {
      for (const p of set.problems) out.push(error([...path, 'tags', p.index], withTagsPrefix(p.message)));
    }
  }
  const platform = read(mappingSchema, mapping, 'platform');
  const parsed = parsePlatform(platform);
  if ('error' in parsed) out.push(error([...path, 'platform'], parsed.error));
  out.push(...checkNameLists(mapping, path));
  return from;
}

/** dregsy wraps every tag problem as `'tags' uses invalid format: ...`. */
function withTagsPrefix(message: string): string {
  const prefix = "'tags' uses invalid format";
  return message.startsWith(prefix) ? message : `${prefix}: ${message}`;
}

/**
 * §A.4 listers: dregsy builds the repository list (and checks it) only when a mapping uses
 * `from: regex:`. Without one, a lister written in the config is checked with warnings (dregsy
 * accepts it), and a location without `lister:` is not checked at all: most Docker Hub
 * sources have none and need none.
 */
function checkRepoList(source: CheckedLocation, used: boolean): Finding[] {
  if (!source.listerValid || (!used && source.listerType === undefined)) return [];
  const problem = used ? error : warning;
  const type = source.listerType ?? '';
  const out: Finding[] = [];
  const listerPath = [...source.path, 'lister'];
  // a script lists Docker Hub images as well as any other registry's (not in dregsy)
  if (isDockerHubListerHost(source.registry) && type !== 'dockerhub' && type !== 'index' && type !== 'script') {
    const at = source.listerType === undefined ? [...source.path, 'registry'] : [...listerPath, 'type'];
    out.push(problem(at, "DockerHub only supports list types 'dockerhub' and 'index'"));
  } else if (type === 'index' && !source.listerSearch) {
    out.push(problem(listerPath, 'index lister requires a search expression'));
  }
  if (used) out.push(...plannedRepoList(source, type));
  return out;
}

/** Not a dregsy rule, but `-run` and the logs name tasks, so two with one name are confusing. */
function checkDuplicateNames(tasks: unknown[]): Finding[] {
  const seen = new Map<string, number>();
  const out: Finding[] = [];
  tasks.forEach((task, i) => {
    const name = read(taskSchema, task, 'name');
    if (!name) return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else out.push(warning(['tasks', i, 'name'], `duplicate task name '${name}' (also tasks[${first}])`));
  });
  return out;
}
