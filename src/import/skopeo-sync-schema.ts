/**
 * `skopeo sync --src yaml` source file (skopeo `cmd/skopeo/sync.go`, `registrySyncConfig`):
 * registry → images (repository → tags or digests; an empty list is every tag),
 * images-by-tag-regex, images-by-semver, credentials, tls-verify, cert-dir.
 */
import * as z from 'zod';
import { bool, opt, text, yamlString } from './peer-schema.js';

export const skopeoRegistrySchema = z.object({
  images: opt(z.record(z.string(), z.array(yamlString).nullish())),
  'images-by-tag-regex': opt(z.record(z.string(), yamlString)),
  'images-by-semver': opt(z.record(z.string(), yamlString)),
  credentials: opt(z.object({ username: text, password: text })),
  'tls-verify': bool,
  'cert-dir': text,
});

export const skopeoSyncSchema = z.record(z.string(), skopeoRegistrySchema.nullish());

export type SkopeoRegistry = z.output<typeof skopeoRegistrySchema>;

/** skopeo's flags that `skopeo sync` takes (its own and the global ones), by long name. */
export const SKOPEO_FLAGS = {
  // global
  'override-os': { value: true },
  'override-arch': { value: true },
  'override-variant': { value: true },
  'insecure-policy': { value: false },
  policy: { value: true },
  'registries.d': { value: true },
  'registries-conf': { value: true },
  tmpdir: { value: true },
  'command-timeout': { value: true },
  debug: { value: false },
  // sync
  src: { value: true, short: 's' },
  dest: { value: true, short: 'd' },
  scoped: { value: false },
  'append-suffix': { value: true },
  digestfile: { value: true },
  all: { value: false, short: 'a' },
  'dry-run': { value: false },
  'keep-going': { value: false },
  'retry-times': { value: true },
  'retry-delay': { value: true },
  'preserve-digests': { value: false },
  'remove-signatures': { value: false },
  format: { value: true, short: 'f' },
  'sign-by': { value: true },
  'sign-by-sigstore': { value: true },
  'sign-by-sigstore-private-key': { value: true },
  'sign-by-sq-fingerprint': { value: true },
  'sign-passphrase-file': { value: true },
  'sign-identity': { value: true },
  'image-parallel-copies': { value: true },
  'tls-verify': { value: false },
  authfile: { value: true },
  'src-authfile': { value: true },
  'dest-authfile': { value: true },
  'src-creds': { value: true },
  'dest-creds': { value: true },
  'src-username': { value: true },
  'src-password': { value: true },
  'dest-username': { value: true },
  'dest-password': { value: true },
  'src-registry-token': { value: true },
  'dest-registry-token': { value: true },
  'src-no-creds': { value: false },
  'dest-no-creds': { value: false },
  'src-cert-dir': { value: true },
  'dest-cert-dir': { value: true },
  'src-tls-verify': { value: false },
  'dest-tls-verify': { value: false },
  'src-daemon-host': { value: true },
  'dest-daemon-host': { value: true },
  'src-shared-blob-dir': { value: true },
  'dest-shared-blob-dir': { value: true },
  'dest-compress': { value: false },
  'dest-decompress': { value: false },
  'dest-compress-format': { value: true },
  'dest-compress-level': { value: true },
  'dest-oci-accept-uncompressed-layers': { value: false },
  'dest-precompute-digests': { value: false },
} as const;

/** The last value given for each flag (booleans as 'true'/'false'). */
export type SkopeoFlags = { [K in keyof typeof SKOPEO_FLAGS]?: string };
