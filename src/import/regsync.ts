/**
 * regsync (regclient) → dregsy. A step of type `image` is one tag, `repository` every tag (or
 * the filtered ones), `registry` every repository of the source's catalog (`from: '*'`, with its
 * `repos` allow/deny lists as the mapping's). regsync copies every
 * platform with the index unless a step names one platform, so mappings get `platform: all`.
 * Its command line (after `--`) may say `once` (no schedules), `server` (the default: steps
 * run on their schedule) or `check`, and `-c FILE`.
 */
import { formatWhere, type DraftConfig, type DraftMapping, type Where } from './import-result.js';
import { formatImageName, hubNote, parseImageReference, type ImageName } from './image-reference.js';
import { applyTable, convert, drop, type OptionTable } from './option-table.js';
import { inputError, parsePeer, unknownKeys } from './peer-file.js';
import { withScope, type ImportContext, type ImportInput, type PeerFormat, type TableDoc } from './peer-format.js';
import { readRegsyncCommand, REGSYNC_COMMAND_OPTIONS, regsyncConfigIn } from './regsync-command.js';
import { CRED_OPTIONS, locationFor, regsyncHosts, type RegsyncHost } from './regsync-hosts.js';
import { regsyncSchema, type RegsyncDefaults, type RegsyncStep } from './regsync-schema.js';
import { mergeDefaults, STEP_OPTIONS, type StepCtx, type StepDraft } from './regsync-steps.js';
import { TaskAssembler } from './tasks.js';

interface TopDraft {
  config: DraftConfig;
}

type DefaultsOnly = Pick<RegsyncDefaults, 'parallel' | 'blobLimit' | 'cacheCount' | 'cacheTime' | 'skipDockerConfig' | 'userAgent'>;
type TopCtx = ImportContext & TopDraft;

/** `defaults` keys that are not step options: they concern the whole program. */
export const DEFAULTS_OPTIONS: OptionTable<DefaultsOnly, TopCtx> = {
  parallel: convert('concurrency.copies', (v, c) => {
    if (v <= 0) return;
    c.config.concurrency = { copies: v };
    c.builder.comment(c.config, `regsync defaults.parallel: ${v} copies at once`, 'concurrency');
  }),
  blobLimit: drop('a limit on blob size: dregsy copies blobs of any size'),
  cacheCount: drop("regclient's request cache: dregsy keeps no such cache across runs", (v) => v > 0),
  cacheTime: drop("regclient's request cache: dregsy keeps no such cache across runs"),
  skipDockerConfig: convert('use-docker-config: false', (v, c) => {
    if (v) c.config['use-docker-config'] = false;
  }),
  userAgent: drop('a User-Agent of your own: dregsy sends its own'),
};

function parseRef(text: string, at: Where, kind: string): ImageName {
  const r = parseImageReference(text);
  if ('error' in r) throw inputError(at, `${kind} '${text}': ${r.error}`);
  return r;
}

function prefixed(prefix: string | undefined, path: string): string {
  return prefix ? `${prefix}/${path}` : path;
}

interface StepMappings {
  source: ReturnType<typeof locationFor>;
  target: ReturnType<typeof locationFor>;
  mappings: DraftMapping[];
}

/** The mappings of one step, or undefined when the step cannot be written (the reason is dropped). */
function stepMappings(step: RegsyncStep, draft: StepDraft, at: (key: string) => Where, hosts: Map<string, RegsyncHost>, ctx: ImportContext): StepMappings | undefined {
  const platform = draft.platform ?? 'all';
  const base: Partial<DraftMapping> = { platform, ...(draft.force ? { force: true } : {}), ...(draft.backup ? { backup: draft.backup } : {}), ...(draft.referrers ? { referrers: true } : {}) };
  if (step.type === 'registry') {
    const [tHost, ...tPath] = step.target.split('/');
    const source = locationFor(hosts, step.source);
    const target = locationFor(hosts, tHost!);
    if (step.source.includes('/')) return void ctx.drop(at('source'), `type registry with a path in the source ('${step.source}'): regsync lists a registry's catalog only`);
    if (source.pathPrefix || target.pathPrefix) return void ctx.drop(at('source'), 'pathPrefix with type registry: dregsy cannot prefix catalog paths');
    source.spec = { ...source.spec, location: { ...source.spec.location, lister: { type: 'catalog' } } };
    const to = tPath.join('/');
    // the whole catalog, however long (regsync pages through all of it), less what the lists leave out
    const lists = { ...(draft.repoAllow ? { allow: { repos: draft.repoAllow } } : {}), ...(draft.repoDeny ? { deny: { repos: draft.repoDeny } } : {}) };
    const sets = draft.tagSets.length > 0 ? draft.tagSets.map((s) => s.items) : draft.droppedSets > 0 ? [] : [[]];
    return { source, target, mappings: sets.map((items) => ({ from: '*', ...(to ? { to } : {}), ...(items.length ? { tags: items } : {}), ...lists, ...base })) };
  }
  const src = parseRef(step.source, at('source'), 'source');
  const tgt = parseRef(step.target, at('target'), 'target');
  const source = locationFor(hosts, src.registry);
  const target = locationFor(hosts, tgt.registry);
  const from = prefixed(source.pathPrefix, src.path);
  const to = prefixed(target.pathPrefix, tgt.path);
  const paths = from === to ? { from } : { from, to };
  if (step.type === 'repository') {
    if (src.tag || src.digest || tgt.tag || tgt.digest) return void ctx.drop(at('source'), 'a tag or digest on a step of type repository: regsync cannot copy that either');
    const sets = draft.tagSets.length > 0 ? draft.tagSets.map((s) => s.items) : draft.droppedSets > 0 ? [] : [[]];
    return { source, target, mappings: sets.map((items) => ({ ...paths, ...(items.length ? { tags: items } : {}), ...base })) };
  }
  // type image: regclient reads a missing tag as `latest`
  const srcTag = src.tag ?? (src.digest ? undefined : 'latest');
  const tgtTag = tgt.tag ?? (tgt.digest ? undefined : 'latest');
  let item: string;
  if (src.digest) {
    if (tgt.digest && tgt.digest !== src.digest) return void ctx.drop(at('target'), 'a target digest that differs from the source digest: no image can have both');
    item = tgtTag ? `${tgtTag}@${src.digest}` : src.digest;
  } else if (tgt.digest || srcTag !== tgtTag) {
    return void ctx.drop(at('target'), `copying ${formatImageName(src)} to a different tag (${formatImageName(tgt)}): dregsy keeps tag names`);
  } else item = srcTag!;
  return { source, target, mappings: [{ ...paths, tags: [item], ...base }] };
}

function hubNotes(step: RegsyncStep): { key: string; text: string }[] {
  if (step.type === 'registry') return [];
  const out: { key: string; text: string }[] = [];
  for (const [key, text] of [['from', step.source], ['to', step.target]] as const) {
    const ref = parseImageReference(text);
    const note = 'error' in ref ? undefined : hubNote(ref.registry, text.replace(/[:@].*$/, ''), ref.path);
    if (note) out.push({ key, text: note });
  }
  return out;
}

function convertRegsync(input: ImportInput, ctx: ImportContext): DraftConfig {
  if (input.files.length !== 1) throw inputError({ file: 'command line', path: '' }, `regsync takes one config file, got ${input.files.length}`);
  const file = input.files[0]!;
  const mode = readRegsyncCommand(input.args, ctx);
  const cfg = parsePeer(regsyncSchema, file.data ?? {}, file);
  if ((cfg.version ?? 1) > 1) throw inputError(file.at(['version']), `regsync config version ${cfg.version} is newer than version 1, which this import reads`);
  for (const u of unknownKeys(regsyncSchema, file.data ?? {}, file, 'regsync')) ctx.drop(u.at, u.reason);
  const config: DraftConfig = { relay: 'skopeo' };
  ctx.builder.comment(config, 'regsync copies registry to registry and keeps digests: so does skopeo', 'relay');
  const defaults = cfg.defaults ?? {};
  applyTable(DEFAULTS_OPTIONS, defaults, withScope(ctx, { config }), (key) => file.at(['defaults', key]));
  const hosts = regsyncHosts(cfg.creds ?? [], file, ctx);
  if (config['use-docker-config'] === false && [...hosts.values()].some((h) => h.needsDockerConfig)) {
    delete config['use-docker-config'];
    ctx.drop(file.at(['defaults', 'skipDockerConfig']), "not reading the docker config: dregsy finds the credential helpers of 'creds' there, so it must read it");
  }
  const assembler = new TaskAssembler(ctx.builder);
  (cfg.sync ?? []).forEach((raw, i) => {
    const { step, at } = mergeDefaults(raw, defaults, (key) => file.at(['sync', i, key]), (key) => file.at(['defaults', key]));
    // regsync once ignores schedules, so nothing about them is lost either
    if (mode.once) step.schedule = step.interval = undefined;
    const draft: StepDraft = { tagSets: [], droppedSets: 0, timingComments: [] };
    const c: StepCtx = withScope(ctx, { step, draft });
    applyTable(STEP_OPTIONS, step, c, at);
    const converted = stepMappings(step, draft, at, hosts, ctx);
    if (!converted) return;
    const stepAt = file.at(['sync', i]);
    const interval = mode.once ? undefined : draft.interval;
    const schedule = mode.once ? undefined : draft.schedule;
    if (!mode.once && !step.schedule && !step.interval) {
      ctx.builder.note(`${formatWhere(stepAt)}: no schedule or interval: regsync server skips such a step, regsync once runs it; here it runs once at start`);
    }
    for (const mapping of converted.mappings) {
      assembler.add({
        source: converted.source.spec,
        target: converted.target.spec,
        interval,
        schedule,
        timingComments: mode.once ? [] : draft.timingComments,
        mapping,
        comments: [`sync[${i}] (${formatWhere({ ...stepAt, path: '' })}): ${step.type} ${step.source} → ${step.target}`],
        keyComments: [
          ...(draft.platform ? [] : [{ key: 'platform', text: 'regsync copies every platform and the index unless the step names one' }]),
          ...(mapping.tags?.length && step.type !== 'image' ? [{ key: 'tags', text: 'regsync anchors its tag regexes (^…$) as dregsy does; deny → keep: !…' }] : []),
          ...(step.type === 'registry' ? [{ key: 'from', text: "type registry: every repository of the source's catalog, read to its end" }] : []),
          ...(draft.repoAllow || draft.repoDeny ? [{ key: draft.repoAllow ? 'allow' : 'deny', text: 'regsync repos allow/deny, anchored as ^…$ in both tools; deny wins' }] : []),
          ...hubNotes(step),
        ],
      });
    }
  });
  if (mode.once) ctx.builder.note('regsync once: schedules and intervals are left out, so every task runs once');
  else ctx.builder.note('regsync server first copies what the target lacks, then runs each step on its schedule; dregsy runs a task at start and then on its interval or schedule, copying what is missing or changed each time');
  config.tasks = assembler.tasks();
  return config;
}

export const regsync: PeerFormat = {
  name: 'regsync',
  tables: [
    { level: 'creds[]', table: CRED_OPTIONS },
    { level: 'defaults (applied to every step, as regsync does)', table: DEFAULTS_OPTIONS },
    { level: 'sync[] (and the same keys in defaults)', table: STEP_OPTIONS },
    { level: 'command line (after --)', table: REGSYNC_COMMAND_OPTIONS },
  ] as TableDoc[],
  summary: 'regsync (regclient) config file: creds, defaults and sync steps of type image, repository or registry',
  filesIn: regsyncConfigIn,
  convert: convertRegsync,
};

