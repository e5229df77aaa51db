/**
 * regsync's config file (regclient `cmd/regsync/config.go` and `config/host.go` at 725072f):
 * `version`, `creds[]` (one registry each), `defaults` (inherited by each step) and `sync[]`.
 * Keys starting with `x-` are the user's own (YAML anchors) and are ignored, as by regsync.
 */
import * as z from 'zod';
import { bool, duration, float, int, list, opt, required, text, yamlString } from './peer-schema.js';

const hook = z.object({ type: text, params: list });

const referrerFilter = z.object({
  artifactType: text,
  annotations: opt(z.record(z.string(), yamlString)),
});

export const regsyncCredSchema = z.object({
  registry: required('a creds entry needs its registry'),
  hostname: text,
  user: text,
  pass: text,
  token: text,
  credHelper: text,
  credExpire: duration,
  credHost: text,
  tls: opt(z.enum(['enabled', 'insecure', 'disabled'], { error: "expected 'enabled', 'insecure' or 'disabled'" })),
  regcert: text,
  clientCert: text,
  clientKey: text,
  pathPrefix: text,
  mirrors: list,
  priority: int,
  repoAuth: bool,
  api: text,
  apiOpts: opt(z.record(z.string(), yamlString)),
  blobChunk: int,
  blobMax: int,
  reqPerSec: float,
  reqConcurrent: int,
  scheme: text,
});

/** Options a step has and `defaults` sets for every step. */
const stepOptions = {
  backup: text,
  interval: duration,
  schedule: text,
  ratelimit: opt(z.object({ min: int, retry: duration })),
  digestTags: bool,
  referrers: bool,
  referrerFilters: opt(z.array(referrerFilter)),
  referrerSource: text,
  referrerTarget: text,
  referrerSlow: bool,
  fastCheck: bool,
  forceRecursive: bool,
  includeExternal: bool,
  mediaTypes: list,
  hooks: opt(z.object({ pre: opt(hook), post: opt(hook), unchanged: opt(hook) })),
};

export const regsyncDefaultsSchema = z.object({
  ...stepOptions,
  parallel: int,
  blobLimit: int,
  cacheCount: int,
  cacheTime: duration,
  skipDockerConfig: bool,
  userAgent: text,
});

const tagAllowDeny = z.object({ allow: list, deny: list, semverRange: list });

export const regsyncStepSchema = z.object({
  source: required('a sync step needs its source'),
  target: required('a sync step needs its target'),
  type: z.enum(['image', 'repository', 'registry'], {
    error: (iss) => (iss.input == null ? "a sync step needs its type: 'image', 'repository' or 'registry'" : "type must be 'image', 'repository' or 'registry'"),
  }),
  tags: opt(tagAllowDeny),
  tagSets: opt(z.array(tagAllowDeny)),
  repos: opt(z.object({ allow: list, deny: list })),
  platform: text,
  platforms: list,
  ...stepOptions,
});

export const regsyncSchema = z.object({
  version: int,
  creds: opt(z.array(regsyncCredSchema)),
  defaults: opt(regsyncDefaultsSchema),
  sync: opt(z.array(regsyncStepSchema)),
});

export type RegsyncConfig = z.output<typeof regsyncSchema>;
export type RegsyncCred = z.output<typeof regsyncCredSchema>;
export type RegsyncDefaults = z.output<typeof regsyncDefaultsSchema>;
export type RegsyncStep = z.output<typeof regsyncStepSchema>;
export type RegsyncTagSet = z.output<typeof tagAllowDeny>;

/** regclient's default `mediaTypes`: a step with exactly these filters nothing. */
export const REGSYNC_DEFAULT_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];
