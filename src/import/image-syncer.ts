/**
 * image-syncer → dregsy. It takes `auth.json` and `images.json` (or the older `config.json`
 * holding both), told apart by their content; its flags come after `--`. Each rule and
 * destination becomes a mapping; rules share a task when their source and target registries
 * (and the credentials image-syncer picks for them) are the same. image-syncer copies the whole
 * index of a multi-platform image unless `--os`/`--arch` filter it, hence `platform: all`.
 */
import { authReference, expandEnvSource } from './credentials.js';
import { baseName, hubNote, isDockerHub, DOCKER_HUB } from './image-reference.js';
import type { DraftConfig, Where } from './import-result.js';
import { applyTable, convert, drop, same, type OptionTable } from './option-table.js';
import { COMMAND_LINE, parsePeerArgs, skipWords } from './peer-args.js';
import { inputError, parsePeer, unknownKeys, type PeerFile } from './peer-file.js';
import { regexNote } from './regex-pattern.js';
import { withScope, type ImportContext, type ImportInput, type PeerFormat, type TableDoc } from './peer-format.js';
import { classifyFile, IMAGE_SYNCER_FLAGS, imageSyncerAuthEntrySchema, imageSyncerAuthSchema, imageSyncerImagesSchema, type ImageSyncerAuthEntry, type ImageSyncerFlags } from './image-syncer-schema.js';
import { parseRuleRef, tagsFor } from './image-syncer-rules.js';
import { TaskAssembler, type LocationSpec } from './tasks.js';

interface FlagPlan {
  platform: string;
  force: boolean;
  defaultRegistry?: string | undefined;
  defaultNamespace?: string | undefined;
}

interface FlagCtx extends ImportContext {
  plan: FlagPlan;
  config: DraftConfig;
  flags: ImageSyncerFlags;
}

const last = (v: string[]) => v[v.length - 1]!;

export const IMAGE_SYNCER_FLAG_OPTIONS: OptionTable<ImageSyncerFlags, FlagCtx> = {
  config: convert('(the FILE: auth and images in one)', () => {}),
  auth: convert('(a FILE: the auth file)', () => {}),
  images: convert('(a FILE: the images file)', () => {}),
  log: same('dregsy logs to standard output (LOG_FORMAT=json for machines)'),
  proc: convert('concurrency.copies', (v, c) => {
    const n = Number(last(v));
    if (!Number.isInteger(n) || n <= 0) return;
    c.config.concurrency = { copies: n };
    c.builder.comment(c.config, `image-syncer --proc ${n}: that many copies at once`, 'concurrency');
  }),
  retries: drop('retrying failed copies: dregsy has no retry count yet', (v) => Number(last(v)) > 0),
  os: convert('mappings[].platform (one os and one arch)', (v, c, at) => {
    if (!c.flags.arch?.length) c.drop(at, `an os filter without --arch (--os ${v.join(',')}): dregsy copies one platform or all of them`);
  }),
  arch: convert('mappings[].platform (one os and one arch)', (_v, c, at) => {
    const os = c.flags.os ?? [];
    const arch = c.flags.arch ?? [];
    if (os.length <= 1 && arch.length === 1) c.plan.platform = `${os[0] ?? 'linux'}/${arch[0]}`;
    else c.drop(at, `several platforms (--os ${os.join(',')} --arch ${arch.join(',')}): dregsy copies one platform or all of them`);
  }),
  force: convert('mappings[].force: true', (v, c) => void (c.plan.force = last(v) === 'true')),
  'output-success-images': same("`dregsy -config=FILE --report FILE` writes every image's result (JSON)"),
  'output-images-format': same("`dregsy --report` writes JSON"),
  namespace: convert('the path of rules with an empty destination', (v, c) => void (c.plan.defaultNamespace = last(v))),
  registry: convert('the target of rules with an empty destination', (v, c) => void (c.plan.defaultRegistry = last(v))),
};

interface AuthCtx extends ImportContext {
  key: string;
  location: LocationSpec;
  file: PeerFile;
  at: Where[];
  user?: string | undefined;
  pass?: string | undefined;
}

export const AUTH_OPTIONS: OptionTable<ImageSyncerAuthEntry, AuthCtx> = {
  username: convert('auth: ${DREGSY_AUTH_<REGISTRY>}', (v, c, at) => {
    c.user = v;
    c.at.push(at);
  }),
  password: convert('auth: ${DREGSY_AUTH_<REGISTRY>}', (v, c, at) => {
    c.pass = v;
    c.at.push(at);
  }),
  insecure: convert('skip-tls-verify: true', (v, c) => {
    if (!v) return;
    c.location.location['skip-tls-verify'] = true;
    c.location.comments!.push({ key: 'skip-tls-verify', text: `image-syncer 'insecure' for ${c.key}: dregsy's skip-tls-verify also allows plain HTTP` });
  }),
};

interface Files {
  auth: { file: PeerFile; data: unknown; path: string[] } | undefined;
  images: { file: PeerFile; data: unknown; path: string[] };
}

function sortFiles(files: PeerFile[]): Files {
  let auth: Files['auth'];
  let images: Files['images'] | undefined;
  const empty: PeerFile[] = [];
  for (const file of files) {
    const kind = classifyFile(file.data);
    const data = file.data as Record<string, unknown> | undefined;
    if (kind === 'config') {
      if (auth || images) throw inputError(file.at([]), 'a config.json (auth and images in one) cannot come with other files');
      auth = data?.auth ? { file, data: data.auth, path: ['auth'] } : undefined;
      images = { file, data: data?.images ?? {}, path: ['images'] };
    } else if (kind === 'auth') {
      if (auth) throw inputError(file.at([]), `two auth files (${auth.file.name} and ${file.name})`);
      auth = { file, data, path: [] };
    } else if (kind === 'images') {
      if (images) throw inputError(file.at([]), `two images files (${images.file.name} and ${file.name})`);
      images = { file, data, path: [] };
    } else if (kind === 'empty') empty.push(file);
    else throw inputError(file.at([]), 'neither an image-syncer auth file (registry → username/password/insecure) nor an images file (source → destination)');
  }
  for (const file of empty) {
    if (!images) images = { file, data: {}, path: [] };
    else if (!auth) auth = { file, data: {}, path: [] };
  }
  if (!images) throw inputError({ file: COMMAND_LINE, path: '' }, 'image-syncer needs its images file (source → destination rules)');
  return { auth, images };
}

/** image-syncer's `GetAuth`: the longest key that is `registry` or `registry/namespace` of the repository. */
function authKeyFor(keys: string[], repository: string): string | undefined {
  let best: string | undefined;
  for (const key of keys) {
    const rest = repository.startsWith(key) ? repository.slice(key.length) : undefined;
    if (rest === undefined || rest === '' || !(rest.startsWith('/') || key.endsWith('/'))) continue;
    if (!best || key.length > best.length) best = key;
  }
  return best;
}

/** Destinations go through Go's `os.ExpandEnv`: `$X` and `${X}` are dregsy's `${X}`. */
function expandDestination(text: string, ctx: ImportContext, at: Where): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, a?: string, b?: string) =>
    ctx.builder.peerEnv((a ?? b)!, 'what image-syncer reads from it (in a destination)', at),
  );
}

function convertImageSyncer(input: ImportInput, ctx: ImportContext): DraftConfig {
  const parsed = parsePeerArgs(input.args, IMAGE_SYNCER_FLAGS, 'image-syncer');
  const extra = skipWords(parsed.positionals, ['image-syncer']).rest;
  if (extra.length > 0) throw inputError({ file: COMMAND_LINE, path: '' }, `unexpected argument '${extra[0]}'`);
  const flags = Object.fromEntries(parsed.flags) as ImageSyncerFlags;
  const config: DraftConfig = { relay: 'skopeo' };
  ctx.builder.comment(config, 'image-syncer copies registry to registry and keeps digests: so does skopeo', 'relay');
  const plan: FlagPlan = { platform: 'all', force: false };
  const flagCtx: FlagCtx = withScope(ctx, { plan, config, flags });
  applyTable(IMAGE_SYNCER_FLAG_OPTIONS, flags, flagCtx, (key) => ({ file: COMMAND_LINE, path: `--${key}` }));

  const files = sortFiles(input.files);
  const images = parsePeer(imageSyncerImagesSchema, files.images.data, files.images.file, files.images.path);
  const auths = files.auth ? parsePeer(imageSyncerAuthSchema, files.auth.data, files.auth.file, files.auth.path) : {};
  if (files.auth) {
    const { file, path, data } = files.auth;
    for (const [key, entry] of Object.entries((data ?? {}) as Record<string, unknown>)) {
      for (const u of unknownKeys(imageSyncerAuthEntrySchema, entry, file, 'image-syncer auth', [...path, key])) ctx.drop(u.at, u.reason);
    }
  }

  const locations = new Map<string, LocationSpec>();
  const locationFor = (registry: string, path: string): LocationSpec => {
    const key = authKeyFor(Object.keys(auths), `${registry}/${path}`) ?? authKeyFor(Object.keys(auths), `${isDockerHub(registry) ? DOCKER_HUB : registry}/${path}`);
    const id = `${registry}\0${key ?? ''}`;
    const known = locations.get(id);
    if (known) return known;
    const spec: LocationSpec = { location: { registry }, comments: [] };
    if (key !== undefined) {
      const authFile = files.auth!;
      const c: AuthCtx = withScope(ctx, { key, location: spec, file: authFile.file, at: [] as Where[] });
      applyTable(AUTH_OPTIONS, auths[key]!, c, (k) => authFile.file.at([...authFile.path, key, k]));
      if (c.user !== undefined || c.pass !== undefined) {
        const auth = authReference(ctx.builder, {
          label: key,
          identity: `image-syncer auth ${key}`,
          user: c.user === undefined ? { kind: 'empty' } : expandEnvSource(c.user),
          pass: c.pass === undefined ? { kind: 'empty' } : expandEnvSource(c.pass),
          from: c.at,
          peer: 'image-syncer auth file',
        });
        const { registry: _, ...rest } = spec.location;
        spec.location = { registry, auth, ...rest };
      }
    }
    locations.set(id, spec);
    return spec;
  };

  const assembler = new TaskAssembler(ctx.builder);
  for (const [source, destinations] of Object.entries(images)) {
    const at = files.images.file.at([...files.images.path, source]);
    const src = parseRuleRef(source);
    if ('error' in src) throw inputError(at, `source '${source}': ${src.error}`);
    const dsts = destinations == null ? [''] : Array.isArray(destinations) ? destinations : [destinations];
    if (dsts.length > 1) ctx.builder.note(`${at.file}:${at.line ?? '?'}: ${source} goes to ${dsts.length} destinations: where they differ only in registry, one task with targets: (the source read once per image)`);
    for (const raw of dsts) {
      let destination = expandDestination(raw, ctx, at);
      if (destination === '') {
        const registry = plan.defaultRegistry ?? ctx.builder.peerEnv('DEFAULT_REGISTRY', 'the default target registry (image-syncer --registry)', at);
        const namespace = plan.defaultNamespace ?? ctx.builder.peerEnv('DEFAULT_NAMESPACE', 'the default target namespace (image-syncer --namespace)', at);
        destination = `${registry}/${namespace}/${baseName(src.path)}`;
        ctx.builder.note(`${at.file}:${at.line ?? '?'}: empty destination: <default registry>/<default namespace>/${baseName(src.path)} with the source's tags (newer image-syncer versions refuse an empty destination)`);
      }
      const dst = parseRuleRef(destination);
      if ('error' in dst) throw inputError(at, `destination '${raw}': ${dst.error}`);
      const tags = tagsFor(src.select, dst.select);
      if ('error' in tags) {
        ctx.drop(at, `${source} → ${raw}: ${tags.error}`);
        continue;
      }
      const note = src.select.kind === 'regex' ? regexNote('image-syncer', src.select.regex) : undefined;
      assembler.add({
        source: locationFor(src.registry, src.path),
        target: locationFor(dst.registry, dst.path),
        mapping: { from: src.path, ...(dst.path !== src.path ? { to: dst.path } : {}), ...(tags.tags ? { tags: tags.tags } : {}), platform: plan.platform, ...(plan.force ? { force: true } : {}) },
        comments: [`${at.file}:${at.line ?? '?'}: ${source} → ${raw || '(default)'}`],
        keyComments: [
          ...(note ? [{ key: 'tags', text: note }] : []),
          ...[hubNote(src.registry, source.split(/[:@,]/)[0]!, src.path)].flatMap((text) => (text ? [{ key: 'from', text }] : [])),
        ],
      });
    }
  }
  ctx.builder.note(plan.platform === 'all' ? 'image-syncer copies every platform of an index unless --os/--arch filter it: platform: all' : `platform: ${plan.platform} from --os/--arch (dregsy copies that platform's image, image-syncer an index holding it)`);
  if (!flags.retries) ctx.builder.note('image-syncer retries failed copies twice by default; dregsy does not retry (the next run copies what is missing)');
  ctx.builder.note('image-syncer runs once; add `interval: <seconds>` or `schedule: <cron>` to a task to keep it in sync');
  config.tasks = assembler.tasks({ fanOut: true });
  return config;
}

export const imageSyncer: PeerFormat = {
  name: 'image-syncer',
  tables: [
    { level: 'auth file: <registry or registry/namespace>', table: AUTH_OPTIONS },
    { level: 'command line (after --)', table: IMAGE_SYNCER_FLAG_OPTIONS },
  ] as TableDoc[],
  summary: 'image-syncer auth.json and images.json (or the older config.json), JSON or YAML, in any order; its flags after --',
  filesIn(args) {
    const parsed = parsePeerArgs(args, IMAGE_SYNCER_FLAGS, 'image-syncer');
    return ['config', 'auth', 'images'].flatMap((f) => parsed.flags.get(f) ?? []);
  },
  convert: convertImageSyncer,
};
