/**
 * `skopeo sync` command-line flags → what they become in the dregsy config (or why nothing).
 * The YAML file names only the sources; the destination and most behaviour come from these.
 */
import type { SecretSource } from './credentials.js';
import type { Where } from './import-result.js';
import { convert, drop, same, type OptionTable } from './option-table.js';
import { inputError } from './peer-file.js';
import type { ImportContext } from './peer-format.js';
import type { SkopeoFlags } from './skopeo-sync-schema.js';

/** What the flags decide for every mapping, source and the target. */
export interface SyncPlan {
  all: boolean;
  os?: string | undefined;
  arch?: string | undefined;
  variant?: string | undefined;
  scoped: boolean;
  /** From --src-tls-verify / --tls-verify; a registry's own tls-verify in the file wins. */
  srcSkipTls?: boolean | undefined;
  destSkipTls?: boolean | undefined;
  srcAuth?: { kind: 'none' } | { kind: 'creds'; user: SecretSource; pass: SecretSource; at: Where[] } | undefined;
  destAuth?: { kind: 'none' } | { kind: 'creds'; user: SecretSource; pass: SecretSource; at: Where[] } | undefined;
  destCertDir?: { path: string; at: Where } | undefined;
  authfiles: { path: string; at: Where; side: string }[];
}

export interface FlagCtx extends ImportContext {
  plan: SyncPlan;
  flags: SkopeoFlags;
}

const on = (v: string) => v === 'true';
const INLINE: SecretSource = { kind: 'inline' };

function creds(plan: SyncPlan, side: 'srcAuth' | 'destAuth', at: Where, which: 'both' | 'user' | 'pass'): void {
  const known = plan[side];
  const prev = known?.kind === 'creds' ? known : { kind: 'creds' as const, user: { kind: 'empty' } as SecretSource, pass: { kind: 'empty' } as SecretSource, at: [] };
  plan[side] = {
    kind: 'creds',
    user: which === 'pass' ? prev.user : INLINE,
    pass: which === 'user' ? prev.pass : INLINE,
    at: [...prev.at, at],
  };
}

const RECOMPRESS = 'changing how layers are compressed: dregsy copies layers as they are';
const SIGN = 'signing the copies: dregsy does not sign images';
const OTHER_TRANSPORT = 'only used by other transports than docker';

export const SKOPEO_FLAG_OPTIONS: OptionTable<SkopeoFlags, FlagCtx> = {
  'override-os': convert('mappings[].platform (os)', (v, c) => void (c.plan.os = v)),
  'override-arch': convert('mappings[].platform (architecture)', (v, c) => void (c.plan.arch = v)),
  'override-variant': convert('mappings[].platform (variant)', (v, c) => void (c.plan.variant = v)),
  'insecure-policy': same('dregsy runs skopeo with --insecure-policy', on),
  policy: drop('a signature policy: dregsy runs skopeo with --insecure-policy'),
  'registries.d': drop('signature storage settings (registries.d): dregsy gives skopeo none'),
  'registries-conf': drop('a registries.conf of your own (mirrors, short names): dregsy names registries in full'),
  tmpdir: same('skopeo under dregsy uses $TMPDIR: set it for dregsy'),
  'command-timeout': drop('a time limit per skopeo command: dregsy has none'),
  debug: same("LOG_LEVEL=debug with `verbose: true` on a task shows skopeo's own output", on),
  src: convert('(yaml: the FILE)', (v, _c, at) => {
    if (v !== 'yaml') throw inputError(at, `only --src yaml converts (the source file); '${v}' has no dregsy equivalent`);
  }),
  dest: convert('(docker: the target registry)', (v, _c, at) => {
    if (v !== 'docker') throw inputError(at, `only --dest docker converts: dregsy copies to registries, not to '${v}'`);
  }),
  scoped: convert('mappings[].to: <destination>/<source registry>/<repository>', (v, c) => void (c.plan.scoped = on(v))),
  'append-suffix': drop('a suffix on every destination tag: dregsy keeps tag names'),
  digestfile: same("`dregsy -config=FILE --report FILE` writes every image's digests (JSON)"),
  all: convert('mappings[].platform: all', (v, c) => void (c.plan.all = on(v))),
  'dry-run': same('the dry run is `dregsy check -config=FILE`', on),
  'keep-going': same('dregsy always goes on after an image fails, and exits 1 at the end', on),
  'retry-times': drop('retrying a failed copy: dregsy has no retry count yet', (v) => Number(v) > 0),
  'retry-delay': drop('retrying a failed copy: dregsy has no retry count yet', (_v, c) => Number(c.flags['retry-times'] ?? 0) > 0),
  'preserve-digests': same('dregsy keeps digests (with platform: all it copies the index byte for byte)', on),
  'remove-signatures': drop('removing signatures: dregsy copies images as they are', on),
  format: drop('converting manifests (oci, v2s2): dregsy copies manifests as they are'),
  'sign-by': drop(SIGN),
  'sign-by-sigstore': drop(SIGN),
  'sign-by-sigstore-private-key': drop(SIGN),
  'sign-by-sq-fingerprint': drop(SIGN),
  'sign-passphrase-file': drop(SIGN),
  'sign-identity': drop(SIGN),
  'image-parallel-copies': same("layers copied at once: skopeo's own default under dregsy"),
  'tls-verify': convert('skip-tls-verify: true on sources and target', (v, c) => {
    if (on(v)) return;
    c.plan.srcSkipTls = true;
    c.plan.destSkipTls = true;
  }),
  authfile: convert('$DOCKER_CONFIG/config.json (same format)', (v, c, at) => void c.plan.authfiles.push({ path: v, at, side: 'sources and target' })),
  'src-authfile': convert('$DOCKER_CONFIG/config.json (same format)', (v, c, at) => void c.plan.authfiles.push({ path: v, at, side: 'sources' })),
  'dest-authfile': convert('$DOCKER_CONFIG/config.json (same format)', (v, c, at) => void c.plan.authfiles.push({ path: v, at, side: 'target' })),
  'src-creds': convert('source auth: ${DREGSY_AUTH_<REGISTRY>} (where the file has no credentials)', (_v, c, at) => creds(c.plan, 'srcAuth', at, 'both')),
  'dest-creds': convert('target auth: ${DREGSY_AUTH_<REGISTRY>}', (_v, c, at) => creds(c.plan, 'destAuth', at, 'both')),
  'src-username': convert('source auth: ${DREGSY_AUTH_<REGISTRY>}', (_v, c, at) => creds(c.plan, 'srcAuth', at, 'user')),
  'src-password': convert('source auth: ${DREGSY_AUTH_<REGISTRY>}', (_v, c, at) => creds(c.plan, 'srcAuth', at, 'pass')),
  'dest-username': convert('target auth: ${DREGSY_AUTH_<REGISTRY>}', (_v, c, at) => creds(c.plan, 'destAuth', at, 'user')),
  'dest-password': convert('target auth: ${DREGSY_AUTH_<REGISTRY>}', (_v, c, at) => creds(c.plan, 'destAuth', at, 'pass')),
  'src-registry-token': drop('a bearer token: dregsy logs in with user and password'),
  'dest-registry-token': drop('a bearer token: dregsy logs in with user and password'),
  'src-no-creds': convert('source auth: none', (v, c) => void (on(v) && (c.plan.srcAuth = { kind: 'none' }))),
  'dest-no-creds': convert('target auth: none', (v, c) => void (on(v) && (c.plan.destAuth = { kind: 'none' }))),
  'src-cert-dir': same("ignored by skopeo sync with --src yaml: each registry's cert-dir in the file counts"),
  'dest-cert-dir': convert('skopeo.certs-dir (or a link under it)', (v, c, at) => void (c.plan.destCertDir = { path: v, at })),
  'src-tls-verify': convert('source skip-tls-verify: true (where the file has no tls-verify)', (v, c) => void (c.plan.srcSkipTls = !on(v))),
  'dest-tls-verify': convert('target skip-tls-verify: true', (v, c) => void (c.plan.destSkipTls = !on(v))),
  'src-daemon-host': same(OTHER_TRANSPORT),
  'dest-daemon-host': same(OTHER_TRANSPORT),
  'src-shared-blob-dir': same(OTHER_TRANSPORT),
  'dest-shared-blob-dir': same(OTHER_TRANSPORT),
  'dest-compress': drop(RECOMPRESS, on),
  'dest-decompress': drop(RECOMPRESS, on),
  'dest-compress-format': drop(RECOMPRESS),
  'dest-compress-level': drop(RECOMPRESS),
  'dest-oci-accept-uncompressed-layers': drop(RECOMPRESS, on),
  'dest-precompute-digests': drop('precomputing digests before upload: the relay decides', on),
};
