/**
 * `skopeo sync --src yaml --dest docker FILE DESTINATION` → dregsy. The file lists sources per
 * registry; the command line (given after `--`, as the user runs it) gives the destination and
 * the flags. One task per source registry, all to the destination registry.
 *
 * Names: skopeo reads `<registry>/<repository>` as Docker does (`docker.io` + `busybox` is
 * `docker.io/library/busybox`), and without `--scoped` puts each image at
 * `<destination>/<last path component>`; with it at `<destination>/<registry>/<repository>`.
 * Tag regexes match anywhere in the tag (Go's MatchString), dregsy's are anchored.
 */
import { authReference } from './credentials.js';
import { baseName, DOCKER_HUB, hubNote, isDigest, isDockerHub, isTag, looksLikeRegistry, splitRegistry } from './image-reference.js';
import type { DraftConfig, Where } from './import-result.js';
import { applyTable, convert, type OptionTable } from './option-table.js';
import { COMMAND_LINE, parsePeerArgs, skipWords, type ParsedArgs } from './peer-args.js';
import { inputError, parsePeer, unknownKeys, type PeerFile } from './peer-file.js';
import { withScope, type ImportContext, type ImportInput, type PeerFormat, type TableDoc } from './peer-format.js';
import { goRegexProblem, regexNote, unanchoredPattern } from './regex-pattern.js';
import { convertConstraint, MASTERMINDS_PRERELEASE } from './semver-constraint.js';
import { SKOPEO_FLAG_OPTIONS, type FlagCtx, type SyncPlan } from './skopeo-sync-flags.js';
import { SKOPEO_FLAGS, skopeoRegistrySchema, skopeoSyncSchema, type SkopeoFlags, type SkopeoRegistry } from './skopeo-sync-schema.js';
import { resolveCertDirs } from './skopeo-certs.js';
import { TaskAssembler, type LocationSpec } from './tasks.js';

interface SourceMapping {
  path: string;
  /** The repository as the file names it. */
  written: string;
  tags?: string[] | undefined;
  at: Where;
  note?: string | undefined;
}

interface RegistryDraft {
  registry: string;
  /** Full repository paths: a path in the registry key (`quay.io/coreos`) is part of them. */
  mappings: SourceMapping[];
  skipTls?: boolean | undefined;
  credentials?: { at: Where[]; user: boolean; pass: boolean } | undefined;
  certDir?: { path: string; at: Where } | undefined;
}

interface RegCtx extends ImportContext {
  reg: RegistryDraft;
  key: string;
  file: PeerFile;
}

function repoPath(c: RegCtx, repo: string, at: Where): string | undefined {
  const parsed = splitRegistry(`${c.key}/${repo}`);
  if ('error' in parsed) {
    c.drop(at, `'${c.key}/${repo}': ${parsed.error}; skopeo skips it too`);
    return undefined;
  }
  return parsed.path;
}

export const REGISTRY_OPTIONS: OptionTable<SkopeoRegistry, RegCtx> = {
  images: convert('one mapping per repository; tags and digests as listed (an empty list: every tag)', (v, c) => {
    for (const [repo, refs] of Object.entries(v)) {
      const at = c.file.at([c.key, 'images', repo]);
      const path = repoPath(c, repo, at);
      if (!path) continue;
      const good = (refs ?? []).filter((r) => {
        if (isDigest(r) || isTag(r)) return true;
        c.drop(at, `'${r}' is neither a tag nor a digest; skopeo skips it too`);
        return false;
      });
      if ((refs ?? []).length > 0 && good.length === 0) continue;
      c.reg.mappings.push({ path, written: repo, tags: good.length > 0 ? good : undefined, at });
    }
  }),
  'images-by-tag-regex': convert('mappings[].tags: regex: with .* around (skopeo matches anywhere in the tag)', (v, c, at) => {
    const bad = Object.entries(v).find(([, re]) => goRegexProblem(re) !== undefined);
    if (bad) return c.drop(at, `tag regex '${bad[1]}' is invalid (${goRegexProblem(bad[1])}): skopeo skips every images-by-tag-regex entry of this registry then`);
    for (const [repo, re] of Object.entries(v)) {
      const where = c.file.at([c.key, 'images-by-tag-regex', repo]);
      const path = repoPath(c, repo, where);
      if (path) c.reg.mappings.push({ path, written: repo, tags: [`regex: ${unanchoredPattern(re)}`], at: where, note: regexNote('skopeo', re) });
    }
  }),
  'images-by-semver': convert('mappings[].tags: semver: and keep: !<prerelease> (Masterminds skips prereleases)', (v, c) => {
    for (const [repo, constraint] of Object.entries(v)) {
      const where = c.file.at([c.key, 'images-by-semver', repo]);
      const converted = convertConstraint(constraint, 'masterminds');
      if (!converted.ok) {
        c.drop(where, `semver constraint '${constraint}' has no dregsy equivalent: ${converted.reason}`);
        continue;
      }
      const path = repoPath(c, repo, where);
      if (!path) continue;
      const tags = [`semver: ${converted.range}`, ...(converted.mentionsPrerelease ? [] : [`keep: !${MASTERMINDS_PRERELEASE}`])];
      const note = `skopeo semver '${constraint}'${converted.mentionsPrerelease ? '' : '; skopeo skips prerelease tags (1.2.3-rc1), dregsy would not without the keep: filter'}`;
      c.reg.mappings.push({ path, written: repo, tags, at: where, note });
    }
  }),
  credentials: convert('source auth: ${DREGSY_AUTH_<REGISTRY>}', (v, c, at) => {
    if (v.username !== undefined || v.password !== undefined) c.reg.credentials = { at: [at], user: v.username !== undefined, pass: v.password !== undefined };
  }),
  'tls-verify': convert('source skip-tls-verify: true (tls-verify: false)', (v, c) => void (c.reg.skipTls = !v)),
  'cert-dir': convert('skopeo.certs-dir (or a link under it)', (v, c, at) => void (c.reg.certDir = { path: v, at })),
};

function readFlags(args: readonly string[]): { parsed: ParsedArgs; flags: SkopeoFlags; positionals: string[] } {
  const parsed = parsePeerArgs(args, SKOPEO_FLAGS, 'skopeo sync');
  const flags: SkopeoFlags = {};
  for (const [name, values] of parsed.flags) (flags as Record<string, string>)[name] = values[values.length - 1]!;
  return { parsed, flags, positionals: skipWords(parsed.positionals, ['skopeo', 'sync']).rest };
}

/** `DESTINATION`: `host[:port][/path]`, or a Docker Hub namespace. */
function destination(text: string): { registry: string; prefix: string } {
  const slash = text.indexOf('/');
  const first = slash < 0 ? text : text.slice(0, slash);
  if (looksLikeRegistry(first)) return { registry: isDockerHub(first) ? DOCKER_HUB : first, prefix: slash < 0 ? '' : text.slice(slash + 1).replace(/\/+$/, '') };
  return { registry: DOCKER_HUB, prefix: text.replace(/\/+$/, '') };
}

function convertSkopeoSync(input: ImportInput, ctx: ImportContext): DraftConfig {
  const { flags, positionals } = readFlags(input.args);
  const dest = positionals[positionals.length - 1];
  if (positionals.length === 0 || positionals.length > 2 || dest === undefined) {
    throw inputError({ file: COMMAND_LINE, path: '' }, 'skopeo sync needs its DESTINATION: dregsy import --from skopeo-sync FILE -- [skopeo sync flags] DESTINATION');
  }
  if (input.files.length !== 1) throw inputError({ file: COMMAND_LINE, path: '' }, `skopeo sync reads one source file, got ${input.files.length}`);
  const file = input.files[0]!;
  const plan: SyncPlan = { all: false, scoped: false, authfiles: [] };
  const flagCtx: FlagCtx = withScope(ctx, { plan, flags });
  applyTable(SKOPEO_FLAG_OPTIONS, flags, flagCtx, (key) => ({ file: COMMAND_LINE, path: `--${key}` }));
  if (!flags.src) throw inputError({ file: COMMAND_LINE, path: '--src' }, 'skopeo sync needs --src yaml');
  if (!flags.dest) throw inputError({ file: COMMAND_LINE, path: '--dest' }, 'skopeo sync needs --dest docker');

  const sources = parsePeer(skopeoSyncSchema, file.data ?? {}, file);
  const config: DraftConfig = { relay: 'skopeo' };
  ctx.builder.comment(config, 'skopeo sync is skopeo: the same copies, one `skopeo copy` per image', 'relay');
  const drafts: RegistryDraft[] = [];
  for (const [key, registryConfig] of Object.entries(sources)) {
    for (const u of unknownKeys(skopeoRegistrySchema, (file.data as Record<string, unknown>)[key], file, 'skopeo sync', [key])) ctx.drop(u.at, u.reason);
    const host = splitRegistry(`${key}/x`);
    if ('error' in host) throw inputError(file.at([key]), `registry '${key}': ${host.error}`);
    const reg: RegistryDraft = { registry: host.registry, mappings: [] };
    const regCtx: RegCtx = withScope(ctx, { reg, key, file });
    applyTable(REGISTRY_OPTIONS, registryConfig ?? {}, regCtx, (k) => file.at([key, k]));
    if (reg.mappings.length === 0) ctx.builder.note(`${file.name}: ${key}: no images: skopeo sync warns and skips the registry`);
    drafts.push(reg);
  }

  const target = destination(dest);
  const certs = resolveCertDirs(ctx, [
    ...drafts.flatMap((d) => (d.certDir ? [{ host: d.registry, ...d.certDir }] : [])),
    ...(plan.destCertDir ? [{ host: target.registry, ...plan.destCertDir }] : []),
  ]);
  if (certs) config.skopeo = { 'certs-dir': certs };
  if (drafts.some((d) => !d.certDir) || !plan.destCertDir) {
    ctx.builder.note(`registries without a cert-dir: skopeo reads /etc/containers/certs.d/<host:port>/ and /etc/docker/certs.d/<host:port>/, dregsy reads ${certs ?? '/etc/skopeo/certs.d'}/<host without port>/`);
  }
  for (const a of plan.authfiles) {
    ctx.builder.requireFile({ path: '$DOCKER_CONFIG/config.json (default ~/.docker/config.json)', holds: `the "auths" of ${a.path} (the same format), used for the ${a.side}`, from: a.at });
  }
  const targetLocation: LocationSpec = { location: { registry: target.registry } };
  if (plan.destAuth?.kind === 'none') targetLocation.location.auth = 'none';
  else if (plan.destAuth) targetLocation.location.auth = authReference(ctx.builder, { label: target.registry, identity: 'skopeo --dest-creds', user: plan.destAuth.user, pass: plan.destAuth.pass, from: plan.destAuth.at, peer: 'skopeo sync command line' });
  if (plan.destSkipTls) targetLocation.location['skip-tls-verify'] = true;

  const platform = plan.all ? 'all' : plan.os || plan.arch || plan.variant ? [plan.os ?? 'linux', plan.arch, plan.variant].filter(Boolean).join('/') : undefined;
  const assembler = new TaskAssembler(ctx.builder);
  for (const d of drafts) {
    const source: LocationSpec = { location: { registry: d.registry }, comments: [] };
    if (d.credentials) {
      source.location.auth = authReference(ctx.builder, { label: d.registry, identity: `skopeo ${d.registry} credentials`, user: { kind: d.credentials.user ? 'inline' : 'empty' }, pass: { kind: d.credentials.pass ? 'inline' : 'empty' }, from: d.credentials.at, peer: 'skopeo sync file' });
    } else if (plan.srcAuth?.kind === 'none') source.location.auth = 'none';
    else if (plan.srcAuth) source.location.auth = authReference(ctx.builder, { label: d.registry, identity: `skopeo --src-creds ${d.registry}`, user: plan.srcAuth.user, pass: plan.srcAuth.pass, from: plan.srcAuth.at, peer: 'skopeo sync command line' });
    const skip = d.skipTls ?? plan.srcSkipTls;
    if (skip) source.location['skip-tls-verify'] = true;
    for (const m of d.mappings) {
      const from = m.path;
      const tail = plan.scoped ? `${d.registry}/${from}` : baseName(from);
      if (plan.scoped && d.registry.includes(':')) {
        ctx.drop(m.at, `--scoped with '${d.registry}': a port is not allowed in a repository path, so skopeo fails on it too`);
        continue;
      }
      const to = target.prefix ? `${target.prefix}/${tail}` : tail;
      assembler.add({
        source,
        target: targetLocation,
        mapping: { from, ...(to !== from ? { to } : {}), ...(m.tags ? { tags: m.tags } : {}), ...(platform ? { platform } : {}) },
        comments: [`${m.at.file}:${m.at.line ?? '?'}: ${d.registry}/${from} → ${target.registry}/${to}`],
        keyComments: [
          ...(m.note ? [{ key: 'tags', text: m.note }] : []),
          ...[hubNote(d.registry, m.written, from)].flatMap((text) => (text ? [{ key: 'from', text }] : [])),
        ],
      });
    }
  }
  ctx.builder.note(
    platform === undefined
      ? 'skopeo sync without --all copies the platform of the machine it runs on; so does dregsy without `platform`'
      : `platform: ${platform} on every mapping, from ${plan.all ? '--all' : '--override-os/--override-arch/--override-variant'}`,
  );
  if (flags['keep-going'] !== 'true') ctx.builder.note('skopeo sync stops at the first image that fails (no --keep-going); dregsy goes on with the others and exits 1');
  ctx.builder.note('skopeo sync runs once; add `interval: <seconds>` or `schedule: <cron>` to a task to keep it in sync');
  config.tasks = assembler.tasks();
  return config;
}

export const skopeoSync: PeerFormat = {
  name: 'skopeo-sync',
  tables: [
    { level: '<registry> in the YAML file', table: REGISTRY_OPTIONS },
    { level: 'command line (after --)', table: SKOPEO_FLAG_OPTIONS },
  ] as TableDoc[],
  summary: 'skopeo sync --src yaml source file; after -- the sync command line with DESTINATION (skopeo sync --all … FILE DEST)',
  filesIn(args) {
    const { positionals } = readFlags(args);
    return positionals.length === 2 ? [positionals[0]!] : [];
  },
  convert: convertSkopeoSync,
};
