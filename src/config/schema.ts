/**
 * The config file's schema: the single source of the config's types (see `z.output` below)
 * and of the JSON Schema written for editors.
 *
 * The YAML loader (yaml-source.ts) hands every scalar over as the text it was written as (or
 * null), the way Go's yaml.v2 decodes into typed fields: each field decides how to read its
 * text. So `tags: [1.30]` stays the tag "1.30" (not the number 1.3), `api-version: 1.40`
 * stays "1.40", and YAML 1.1 booleans (`yes`, `on`) work where dregsy accepted them.
 * Each scalar type also accepts the typed JSON value (true, 60), which is what an editor
 * using the JSON Schema sees; the schema is exported on its input side (json-schema.ts).
 *
 * An empty value (`auth:`) is null, which yaml.v2 decodes to the Go zero value: for optional
 * fields that is "not set". Cross-field rules live in rules.ts; messages for rules dregsy
 * itself enforces use dregsy's wording (reference §A).
 */
import * as z from 'zod';
import { YAML11_FALSE, YAML11_TRUE, yamlBoolValue, yamlDuration, yamlInt64 } from './yaml-scalar.js';

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `'${String(v)}'`;
}

/** Any scalar read as its text; `missing` is the message when there is none. */
function scalarText(missing?: string) {
  return z
    .union([z.string(), z.number(), z.boolean()], {
      error: (iss) => (iss.input == null && missing ? missing : `expected a text value, got ${describeValue(iss.input)}`),
    })
    .transform((v) => String(v));
}

/** A text that must be there and not empty, as dregsy checks `x == ""`. */
function requiredText(missing: string) {
  return scalarText(missing).refine((s) => s !== '', { error: missing });
}

/** An optional field: absent, or null (yaml.v2's zero value, i.e. not set), reads as undefined. */
function optional<T extends z.ZodType>(schema: T) {
  return schema
    .nullish()
    .transform((v) => v ?? undefined)
    .optional();
}

/** Any scalar read as its text. */
export const yamlString = scalarText();

/** A boolean as YAML 1.1 (yaml.v2) spells it: true/false, yes/no, on/off, y/n. */
export const yamlBool = z
  .union([z.boolean(), z.enum([...YAML11_TRUE, ...YAML11_FALSE])], {
    error: (iss) => `expected true or false, got ${describeValue(iss.input)}`,
  })
  .transform((v) => (typeof v === 'boolean' ? v : yamlBoolValue(v) === true));

const notAnInteger = (iss: { input?: unknown }) => `expected an integer, got ${describeValue(iss.input)}`;

/** An integer as yaml.v2 decodes into a Go int: `60`, `0x3C`, `1_000`; a float is truncated. */
export const yamlInt = z
  .union([z.number().int(), z.string().refine((s) => yamlInt64(s) !== undefined, { error: notAnInteger })], { error: notAnInteger })
  .transform((v) => (typeof v === 'number' ? v : Number(yamlInt64(v))));

/**
 * A Go `time.Duration` as yaml.v2 decodes it: a Go duration string (`10h`, `1h30m`, `-1s`),
 * or a bare number, which is nanoseconds. Kept as its text; read it with `yamlDuration`.
 */
export const yamlDurationText = z
  .union([
    z.int(),
    z.string().refine((s) => yamlDuration(s).ok, {
      error: (iss) => {
        const d = yamlDuration(String(iss.input));
        return `expected a Go duration like '10h' or '1h30m' (${d.ok ? 'out of range' : d.message})`;
      },
    }),
  ], { error: (iss) => `expected a Go duration like '10h' or '1h30m', got ${describeValue(iss.input)}` })
  .transform((v) => String(v));

function positiveDuration(text: string): boolean {
  const d = yamlDuration(text);
  return d.ok && d.ns > 0n;
}

/** The relays dregsy knows, and ours: `native` copies inside this process (not in dregsy). */
export const RELAY_TYPES = ['docker', 'skopeo', 'native'] as const;
export type RelayType = (typeof RELAY_TYPES)[number];

/** The lister types dregsy knows (`registry.ListSourceType`), and ours: `script` (not in dregsy). */
export const LISTER_TYPES = ['catalog', 'dockerhub', 'index', 'script'] as const;
export type ListerType = (typeof LISTER_TYPES)[number];

export const listerSchema = z
  .object({
    type: optional(yamlString).describe(
      "`catalog` (the registry's catalog API), `dockerhub` or `index` (Docker Hub search); `script`: the image list a command prints (not in dregsy).",
    ),
    search: optional(yamlString).describe('Search expression; required by the `index` lister.'),
    cmd: optional(yamlString).describe(
      "`script` lister: the program that prints one image reference per line (`repo`, `repo:tag`, `repo@digest`); a path (relative to the config file's folder) or a name looked up in PATH; never through a shell unless it is one (not in dregsy).",
    ),
    args: z.array(yamlString).nullish().describe('`script` lister: its arguments, each passed as is (not in dregsy).'),
    workdir: optional(yamlString).describe("`script` lister: working directory (default: the config file's folder) (not in dregsy)."),
    env: z
      .record(z.string(), yamlString)
      .nullish()
      .describe("`script` lister: variables added to dregsy's environment for the command; their values are kept out of the log (not in dregsy)."),
    timeout: optional(yamlDurationText).describe('`script` lister: longest the command may run (Go duration, default 5m); then it is ended and the task run fails (not in dregsy).'),
  })
  .describe('How the source lists its repositories for `from: regex:` and `from: \'*\'` mappings: a registry API, or a command (`type: script`).');

/** Regexes over repository paths and tags, each anchored as dregsy anchors `from: regex:` (not in dregsy). */
const nameListsSchema = z
  .object({
    repos: z.array(yamlString).nullish().describe('Expressions over source repository paths (anchored: each must match the whole path).'),
    tags: z.array(yamlString).nullish().describe('Expressions over tags (anchored: each must match the whole tag).'),
  })
  .nullish();

export const locationSchema = z
  .object(
    {
      registry: requiredText('registry not set').describe('Registry server, `host[:port]`.'),
      auth: optional(yamlString).describe(
        'Base64 of `{"username": "...", "password": "..."}` (or of `user:password`); `none` for anonymous (no docker config or Google token lookup). Omitted: `auth-file`, else the docker config.json entry for the registry, else a Google token for GCR/Artifact Registry, else anonymous. `${VAR}` takes it from the environment.',
      ),
      'auth-file': optional(yamlString).describe(
        'File holding what `auth` would hold (e.g. a mounted Kubernetes Secret; whitespace around it is ignored), read at every task run so a rotated secret is used without a restart. Relative to the config file\'s folder. Not together with `auth` (not in dregsy).',
      ),
      'auth-refresh': optional(yamlDurationText).describe(
        'ECR only: fetch credentials from AWS (default credential chain) at this interval, and before the token expires (Go duration, e.g. `10h`; minimum 1h).',
      ),
      'skip-tls-verify': optional(yamlBool).describe('Do not verify the server certificate; also allows plain HTTP (skopeo and native relays; Docker decides by its own settings).'),
      lister: optional(listerSchema),
    },
    { error: (iss) => (iss.input == null ? 'location is nil' : `expected a mapping, got ${describeValue(iss.input)}`) },
  );

export const mappingSchema = z.object(
  {
    from: requiredText("mapping without 'From' path").describe(
      "Source repository path, `regex:<expr>` to select repositories from the source's list, or `'*'` for every repository the source lists (the whole catalog; not in dregsy).",
    ),
    to: yamlString.nullish().describe('Target repository path (default: same as `from`), or `regex:<expr>,<replacement>`.'),
    tags: z
      .array(yamlString)
      .nullish()
      .describe('Tags to sync (default: all). Verbatim tags, digests, `regex:`, `semver:`, `keep:` filters.'),
    platform: yamlString.nullish().describe('`os[/arch[/variant]]` to copy one platform, or `all` for every platform (not with the docker relay).'),
    force: optional(yamlBool).describe(
      'Copy every selected image on every run, even when the target already has the same digest (not in dregsy).',
    ),
    backup: optional(yamlString).describe(
      "Before a copy replaces a target tag that holds a different image, tag the old image in the target repository under this name: a template of `{{.Tag}}`, `{{.Date}}` (UTC, `20060102`), `{{.Time}}` (UTC, `150405`), `{{.Digest}}` (hex) and `{{.ShortDigest}}` (12 hex digits), e.g. `{{.Tag}}-backup-{{.Date}}`. Overrides the task's `backup` (not in dregsy).",
    ),
    referrers: optional(yamlBool).describe(
      'Also copy what refers to each image: OCI referrers (the referrers API, or the `sha256-<hex>` tag-schema index) and cosign-style `sha256-<hex>.sig`/`.att`/`.sbom` tags, after the image; skopeo and native relays only (not in dregsy).',
    ),
    allow: nameListsSchema.describe(
      'Only repositories (`repos`) and tags (`tags`) matching one of these expressions are copied, on top of `from` and `tags` (not in dregsy).',
    ),
    deny: nameListsSchema.describe('Repositories (`repos`) and tags (`tags`) matching one of these expressions are never copied; deny wins over allow (not in dregsy).'),
  },
  { error: (iss) => (iss.input == null ? 'mapping is nil' : `expected a mapping, got ${describeValue(iss.input)}`) },
);

/** When an after-sync hook runs: after a run that copied something, after every run, or after a failed run. */
export const HOOK_WHEN = ['copied', 'always', 'failed'] as const;
export type HookWhen = (typeof HOOK_WHEN)[number];

export const hookSchema = z
  .object({
    cmd: requiredText("hook without 'cmd'").describe('Program to run (a path, or a name looked up in PATH); never through a shell unless it is one.'),
    args: z.array(yamlString).nullish().describe('Its arguments, each passed as is.'),
    workdir: optional(yamlString).describe("Working directory (default: dregsy's own)."),
    env: z.record(z.string(), yamlString).nullish().describe("Environment variables added to dregsy's environment for the hook."),
    timeout: optional(yamlDurationText).describe('Longest the hook may run (Go duration, default 10m); then it is ended (SIGTERM, SIGKILL 5 s later).'),
    when: optional(z.enum(HOOK_WHEN, { error: (iss) => `expected one of ${HOOK_WHEN.join(', ')}, got ${describeValue(iss.input)}` })).describe(
      '`copied` (default): after a run that copied at least one image; `always`: after every run; `failed`: after a run with errors.',
    ),
  })
  .describe('A command run after a task run, with the run\'s result as JSON on stdin (not in dregsy).');

export const taskSchema = z.object(
  {
    name: requiredText('a task requires a name').describe('Name of the task, used in logs and by `-run`.'),
    interval: optional(yamlInt).describe('Seconds between runs (minimum 30); omitted or 0 runs the task once.'),
    schedule: optional(yamlString).describe(
      "Cron schedule instead of `interval`: five fields, or six with seconds first; `CRON_TZ=Europe/Berlin ` in front for a time zone (default: the process's local time, `TZ`) (not in dregsy).",
    ),
    'run-on-start': optional(yamlBool).describe('Run when dregsy starts (default true, as dregsy does) (not in dregsy).'),
    disable: optional(yamlBool).describe('Keep the task in the config but never run it (not in dregsy).'),
    webhook: optional(yamlBool).describe('Copy what registry push events name, as they arrive (needs `listen`) (not in dregsy).'),
    delay: optional(yamlDurationText).describe(
      'Quiet period a push event or trigger waits for, so a burst folds into one run (Go duration, default 2s) (not in dregsy).',
    ),
    hooks: z
      .object({ 'after-sync': optional(hookSchema) })
      .nullish()
      .describe('Commands run around task runs (not in dregsy).'),
    verbose: optional(yamlBool).describe("Stream the relay's own output into the log."),
    backup: optional(yamlString).describe("Default `backup` template of the task's mappings (not in dregsy)."),
    source: locationSchema.describe('Registry to copy from.'),
    target: optional(locationSchema).describe("Registry to copy to (or `targets` for several)."),
    targets: z
      .array(locationSchema)
      .nullish()
      .describe('Several registries to copy to, instead of `target`: the source is read once per image, and each target is compared, copied and reported on its own (not in dregsy).'),
    mappings: z.array(mappingSchema).nullish().describe('What to copy: source path → target path, with tags and platform.'),
  },
  { error: (iss) => (iss.input == null ? 'task is nil' : `expected a mapping, got ${describeValue(iss.input)}`) },
);

export const configSchema = z
  .object({
    relay: optional(yamlString).describe(
      "`skopeo`, `docker` or `native` (copies registry to registry inside dregsy, no skopeo needed; not in dregsy). Omitted: skopeo when found, else docker (dregsy's default is docker); never native.",
    ),
    skopeo: z
      .object({
        binary: optional(yamlString).describe('Path or name of the skopeo binary (default `skopeo`, looked up in PATH).'),
        'certs-dir': optional(yamlString).describe(
          'Directory of per-registry TLS folders `<certs-dir>/<host without port>/` (default /etc/skopeo/certs.d).',
        ),
      })
      .nullish()
      .describe('Settings of the skopeo relay.'),
    docker: z
      .object({
        dockerhost: optional(yamlString).describe('Docker Engine address, `unix:///var/run/docker.sock` or `tcp://host:port`.'),
        'api-version': optional(yamlString).describe('Docker Engine API version (default 1.41).'),
      })
      .nullish()
      .describe('Settings of the docker relay.'),
    dockerhost: optional(yamlString).describe('Deprecated: use `docker.dockerhost`.'),
    'api-version': optional(yamlString).describe("Deprecated: use `docker['api-version']`."),
    lister: z
      .object({
        maxItems: optional(yamlInt).describe(
          'Bounds a repository listing as dregsy does (default 100; negative: unlimited): pages of 100 are read until one goes past it (ECR, index: reaches it); a page is never cut, and a warning says when repositories were left out.',
        ),
        cacheDuration: optional(yamlDurationText).describe(
          'How long a repository list is reused (Go duration, default 1h; negative: no cache). A bare number is nanoseconds.',
        ),
      })
      .nullish()
      .describe('Settings shared by all repository listers.'),
    watch: optional(yamlBool).describe('Restart when the config file changes.'),
    'use-docker-config': optional(yamlBool).describe(
      'Use the docker config.json (`$DOCKER_CONFIG/config.json`, default `~/.docker/config.json`, with its `credHelpers`/`credsStore`) for locations with no `auth` or `auth-file` (default true; not in dregsy).',
    ),
    concurrency: z
      .object({
        copies: optional(yamlInt).describe('Copies running at once across all tasks (default 2).'),
        checks: optional(yamlInt).describe('Digest checks (manifest HEAD requests) running at once (default 16).'),
        tasks: optional(yamlInt).describe('Tasks running at once (default 1: one after the other in config order, as dregsy does).'),
      })
      .nullish()
      .describe('How much runs in parallel (not in dregsy, which copies one image at a time).'),
    listen: optional(yamlString).describe(
      'Address for the webhook and trigger endpoints, the status API and page, `/metrics` and the probes: `host:port` or `:port` (e.g. `127.0.0.1:8080`); `--listen` overrides it (not in dregsy).',
    ),
    shards: optional(yamlInt).describe(
      'Split the images between this many replicas (not in dregsy): each owns the target repositories that rendezvous hashing assigns to its index, which comes from `--shard`, an Indexed Job\'s `JOB_COMPLETION_INDEX` or a StatefulSet pod\'s ordinal. `DREGSY_SHARDS` overrides it. Default 1 (no sharding).',
    ),
    retry: z
      .object({
        attempts: optional(yamlInt.refine((n) => n >= 1, { error: 'must be at least 1' })).describe('Tries of each registry request and each copy, the first included (default 8; 1: no retries).'),
        'max-delay': optional(yamlDurationText.refine((s) => positiveDuration(s), { error: 'must be a positive duration' })).describe(
          "Longest wait before a retry, and longest `Retry-After` honoured: a registry asking for more is not retried in this run (Go duration, default `30s`).",
        ),
        budget: optional(yamlInt.refine((n) => n >= 0, { error: 'must be 0 or more' })).describe(
          'Retries each registry may take beyond its successful requests; when spent, its requests fail at the first error, so a dead registry fails fast (default 100).',
        ),
      })
      .nullish()
      .describe('Retrying transient registry failures (5xx, 429, resets, timeouts) with exponential backoff (not in dregsy).'),
    api: z
      .object({
        'allow-no-token': optional(yamlBool).describe(
          'Serve the status API and page beyond loopback without a token (`DREGSY_API_TOKEN`); off by default, as anyone who reaches the port could pause tasks. `--api-insecure` does the same.',
        ),
        'stuck-after': optional(yamlDurationText).describe(
          '`/healthz` fails when a task run has gone on longer than this (Go duration, default 6h; 0 turns this check off).',
        ),
      })
      .nullish()
      .describe('The operations surface on the listener: status API, status page, probes and metrics (not in dregsy).'),
    tasks: z.array(taskSchema).nullish().describe('The sync tasks, run in this order.'),
  })
  .describe('Configuration of dregsy, a container image sync tool: which images to copy between registries, and how often.');

export type Config = z.output<typeof configSchema>;
export type Task = z.output<typeof taskSchema>;
export type Location = z.output<typeof locationSchema>;
export type Mapping = z.output<typeof mappingSchema>;
export type ListerSettings = z.output<typeof listerSchema>;
export type Hook = z.output<typeof hookSchema>;
