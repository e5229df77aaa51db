/**
 * picture-book → dregsy. Each `registries` entry pulls the images its `syncerScript` prints,
 * retags them `<hostname>/<repository>/<image>` (or `<hostname>/<image>` when the image already
 * starts with the repository: its ReTag) and pushes them, through the Docker Engine, on the
 * cron `syncPeriod`. Each entry becomes a task whose source lists its images with the `script`
 * lister (`syncerScriptArgs` split at each space, as picture-book splits it) and whose
 * mappings take every listed image: under `to: <repository>`, and as it is for the images
 * ReTag leaves alone (a deny list on the first mapping, a regex on the second).
 * The script's short names (`user/image:tag`) are Docker Hub's, as for `docker pull`, so the
 * source is docker.io. Keys are read case-insensitively, as picture-book (viper) reads them.
 */
import * as z from 'zod';
import type { YamlData } from '../config/yaml-source.js';
import { authReference } from './credentials.js';
import { DOCKER_HUB } from './image-reference.js';
import type { DraftConfig, DraftTask, Where } from './import-result.js';
import { applyTable, convert, drop, same, type OptionTable } from './option-table.js';
import { COMMAND_LINE, isOn, lastValue, parsePeerArgs, skipWords } from './peer-args.js';
import { inputError, parsePeer, unknownKeys, type PeerFile } from './peer-file.js';
import { bool, int, opt, required, text } from './peer-schema.js';
import { withScope, type ImportContext, type ImportInput, type PeerFormat, type TableDoc } from './peer-format.js';
import { cronSchedule, describeSeconds } from './schedule.js';

const registrySchema = z.object({
  hostname: required('a registry needs its hostname'),
  repository: text,
  pullAuthConfig: text,
  pushAuthConfig: text,
  syncPeriod: text,
  syncerScript: text,
  syncerScriptArgs: text,
  registryProvider: text,
  deleteLocalImages: bool,
});

const pictureBookSchema = z.object({
  registries: opt(z.array(registrySchema)),
  display: text,
  api: opt(z.object({ enabled: bool, port: int, enableAuth: bool, authToken: text })),
});

type PictureBookRegistry = z.output<typeof registrySchema>;
type PictureBook = z.output<typeof pictureBookSchema>;

interface RegCtx extends ImportContext {
  task: DraftTask;
  file: PeerFile;
  index: number;
  comment(text: string, key?: string): void;
  /** What the script rows found, for the mappings written once the table ran. */
  script: { cmd?: string; args?: string[]; repository?: string };
}

function credential(which: 'source' | 'target', key: string) {
  return convert<string, RegCtx>(`tasks[].${which}.auth: \${DREGSY_AUTH_<HOST>}`, (_v, c, at) => {
    const registry = String(c.task[which]!.registry);
    // The value is `user:password`, and dregsy's auth is base64 of either JSON or `user:password`.
    c.task[which]!.auth = authReference(c.builder, { label: registry, identity: `picture-book registries[${c.index}].${key}`, user: { kind: 'inline' }, pass: { kind: 'inline' }, from: [at], peer: 'picture-book file' });
  });
}

export const REGISTRY_OPTIONS: OptionTable<PictureBookRegistry, RegCtx> = {
  hostname: convert('tasks[].target.registry (and the task name)', () => {}),
  repository: convert("mappings[].to: <repository> for the listed images, and as they are for those whose path already starts with it (picture-book's ReTag)", (v, c) => {
    c.script.repository = v;
  }),
  pullAuthConfig: credential('source', 'pullAuthConfig'),
  pushAuthConfig: credential('target', 'pushAuthConfig'),
  syncPeriod: convert("tasks[].schedule (in UTC, as picture-book's scheduler runs), run-on-start: false", (v, c, at) => {
    const s = cronSchedule(v, 'UTC');
    if (!s.ok) return c.drop(at, `cron syncPeriod '${v}': ${s.reason}; the task runs once`);
    if (s.kind === 'interval') {
      c.task.interval = s.seconds;
      c.comment(`picture-book syncPeriod '${v}': every ${describeSeconds(s.seconds)}`, 'interval');
    } else {
      c.task.schedule = s.text;
      c.comment(`picture-book syncPeriod '${v}': its scheduler (gocron) runs in UTC`, 'schedule');
    }
    // gocron runs a cron job at its times only, not when picture-book starts
    c.task['run-on-start'] = false;
    c.comment('picture-book runs at the syncPeriod times only; true also runs the task when dregsy starts', 'run-on-start');
  }),
  syncerScript: convert("tasks[].source.lister: { type: script, cmd } and from: '*' mappings: every image the script prints", (v, c) => {
    c.script.cmd = v;
  }),
  syncerScriptArgs: convert('tasks[].source.lister.args, split at each space as picture-book splits it', (v, c) => {
    c.script.args = v.split(' ');
  }),
  registryProvider: same('not used by picture-book'),
  deleteLocalImages: drop('keeping pulled images in the local Docker Engine: the docker relay removes what it pulled', (v) => !v),
};

interface TopCtx extends ImportContext {
  config: DraftConfig;
}

type Top = Omit<PictureBook, 'registries'>;

export const TOP_OPTIONS: OptionTable<Top, TopCtx> = {
  display: same('dregsy shows progress as a status line on a terminal, a log line otherwise'),
  api: drop("picture-book's HTTP API (list, pause and resume synchronizers): no equivalent in dregsy", (v) => v.enabled === true),
};

/** viper reads keys case-insensitively: `SyncPeriod`, `syncperiod` are `syncPeriod`. */
function canonicalKeys(data: YamlData | undefined, known: Record<string, z.ZodType>): YamlData | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const names = new Map(Object.keys(known).map((k) => [k.toLowerCase(), k]));
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [names.get(k.toLowerCase()) ?? k, v]));
}

function normalize(data: YamlData | undefined): YamlData | undefined {
  const top = canonicalKeys(data, pictureBookSchema.shape) as Record<string, YamlData> | undefined;
  if (!top || typeof top !== 'object') return top;
  const registries = Array.isArray(top.registries) ? top.registries.map((r) => canonicalKeys(r, registrySchema.shape) ?? null) : top.registries;
  return { ...top, ...(registries !== undefined ? { registries } : {}) };
}

function convertPictureBook(input: ImportInput, ctx: ImportContext): DraftConfig {
  const parsed = parsePeerArgs(input.args, { registry: { value: true }, all: { value: false } }, 'picture-book');
  const { skipped, rest } = skipWords(parsed.positionals, ['picture-book', 'sync', 's', 'load', 'ld']);
  if (rest.length > 0) throw inputError({ file: COMMAND_LINE, path: '' }, `unexpected argument '${rest[0]}'`);
  const load = skipped.includes('load') || skipped.includes('ld');
  const only = load && !isOn(parsed, 'all') ? lastValue(parsed, 'registry') : undefined;
  if (input.files.length !== 1) throw inputError({ file: COMMAND_LINE, path: '' }, `picture-book reads one config.yaml, got ${input.files.length}`);
  const file = input.files[0]!;
  const data = normalize(file.data);
  const pb = parsePeer(pictureBookSchema, data ?? {}, file);
  for (const u of unknownKeys(pictureBookSchema, data ?? {}, file, 'picture-book')) ctx.drop(u.at, u.reason);

  const config: DraftConfig = { relay: 'docker', docker: { dockerhost: 'unix:///var/run/docker.sock' } };
  ctx.builder.comment(config, 'picture-book pulls, retags and pushes through the Docker Engine ($DOCKER_HOST); relay: skopeo would copy registry to registry and keep digests', 'relay');
  const topCtx: TopCtx = withScope(ctx, { config });
  applyTable(TOP_OPTIONS, pb, topCtx, (key) => file.at([key]));
  const tasks: DraftTask[] = [];
  (pb.registries ?? []).forEach((registry, index) => {
    if (only !== undefined && registry.hostname !== only) return;
    // every key in dregsy's usual order; the timing keys the schedule did not set are removed below
    const task: DraftTask = {
      name: registry.hostname,
      interval: undefined,
      schedule: undefined,
      'run-on-start': undefined,
      source: { registry: DOCKER_HUB },
      target: { registry: registry.hostname },
      mappings: [],
    };
    ctx.builder.comment(task.source, "the script's short names (user/image:tag) are Docker Hub's, as for docker pull", 'registry');
    const c: RegCtx = withScope(ctx, { task, file, index, comment: (text: string, key?: string) => ctx.builder.comment(task, text, key), script: {} });
    // a load runs once, whatever the schedule says
    applyTable(REGISTRY_OPTIONS, load ? { ...registry, syncPeriod: undefined } : registry, c, (key) => file.at(['registries', index, key]));
    if (load) task.interval = task.schedule = task['run-on-start'] = undefined;
    for (const key of ['interval', 'schedule', 'run-on-start'] as const) if (task[key] === undefined) delete task[key];
    scriptMappings(task, c);
    tasks.push(task);
  });
  if (only !== undefined && tasks.length === 0) throw inputError({ file: COMMAND_LINE, path: '--registry' }, `no registry '${only}' in ${file.name}`);
  if (load) ctx.builder.note('picture-book load: one run, so no schedules');
  ctx.builder.note('picture-book pushes with pullAuthConfig (its code passes the pull credentials to the push); here the target uses pushAuthConfig, as its documentation says');
  ctx.builder.note('picture-book skips a tag the target already has (unless latest); dregsy skips an image whose digest the target has, so a changed tag is copied again');
  config.tasks = tasks;
  return config;
}

/** The script lister on the source, and mappings that place what it lists as ReTag does. */
function scriptMappings(task: DraftTask, c: RegCtx): void {
  const where = `registries[${c.index}] (${at(c.file, c.index)})`;
  const { cmd, args, repository } = c.script;
  if (cmd === undefined) {
    c.comment(`${where}: no syncerScript, so no images (picture-book lists none either)`, 'mappings');
    return;
  }
  task.source.lister = { type: 'script', cmd, ...(args ? { args } : {}) };
  c.builder.comment(task.source, 'a name without a slash is looked up in PATH, a relative path is relative to this file\'s folder; only stdout is read', 'lister');
  c.comment(`${where}: every image syncerScript '${cmd}' prints, at each run`, 'mappings');
  if (!repository) {
    task.mappings = [{ from: '*' }];
    return;
  }
  // ReTag: an image whose name starts with the repository keeps its path; any other goes under it.
  const prefix = `${quoteRegex(repository)}.*`;
  task.mappings = [
    { from: '*', to: repository, deny: { repos: [prefix] } },
    { from: `regex:${prefix}` },
  ];
  c.builder.comment(task.mappings[0]!, `under ${repository}/, except images already named ${repository}… (the next mapping), as picture-book's ReTag`);
}

/** `text` as a Go regular expression that matches it literally (regexp.QuoteMeta). */
function quoteRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function at(file: PeerFile, index: number): string {
  const w: Where = file.at(['registries', index]);
  return `${w.file}:${w.line ?? '?'}`;
}

export const pictureBook: PeerFormat = {
  name: 'picture-book',
  tables: [
    { level: 'registries[]', table: REGISTRY_OPTIONS },
    { level: 'top level', table: TOP_OPTIONS },
  ] as TableDoc[],
  summary: "picture-book config.yaml (registries with syncerScript and cron syncPeriod); after -- 'load --registry HOST' for a one-time load",
  filesIn: () => [],
  convert: convertPictureBook,
};
