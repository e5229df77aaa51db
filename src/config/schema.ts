/**
 * The config file's schema: the single source of the config's types (see `z.output` below)
 * and of the JSON Schema written for editors.
 *
 * The YAML loader hands every scalar over as the text it was written as (or null), the way
 * Go's yaml.v2 decodes into typed fields: each field decides how to read its text. So
 * `tags: [1.30]` stays the tag "1.30" (not the number 1.3), `api-version: 1.40` stays
 * "1.40", and YAML 1.1 booleans (`yes`, `on`) work where dregsy accepted them.
 *
 * Messages for rules dregsy itself enforces use dregsy's wording (reference §A).
 */
import { z } from 'zod';

const YAML11_TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'y', 'Y']);
const YAML11_FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'n', 'N']);

/** A boolean as YAML 1.1 (yaml.v2) spells it. */
export const yamlBool = z.preprocess(
  (v) => (typeof v === 'string' ? (YAML11_TRUE.has(v) ? true : YAML11_FALSE.has(v) ? false : v) : v),
  z.boolean({ error: (iss) => `expected true or false, got '${String(iss.input)}'` }),
);

/** An integer written in decimal (optionally signed), as yaml.v2 decodes into an int. */
export const yamlInt = z.preprocess(
  (v) => (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim()) ? Number.parseInt(v, 10) : v),
  z.number({ error: (iss) => `expected an integer, got '${String(iss.input)}'` }).int(),
);

/** Any scalar read as its text. */
export const yamlString = z.string({
  error: (iss) => (iss.input === undefined ? 'required' : `expected a text value, got ${describe(iss.input)}`),
});

function describe(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `'${String(v)}'`;
}

export const listerSchema = z
  .object({
    type: yamlString.optional(),
    search: yamlString.optional(),
  })
  .describe('Repository lister used when a mapping selects source repositories with `from: regex:...`.');

export const locationSchema = z.object({
  registry: z
    .string({ error: (iss) => (iss.input == null ? 'registry not set' : `expected a text value, got ${describe(iss.input)}`) })
    .describe('Registry server, `host[:port]`.'),
  auth: yamlString
    .optional()
    .describe('Base64 of `{"username": "...", "password": "..."}` (or of `user:password`); `none` for anonymous.'),
  'auth-refresh': yamlString
    .optional()
    .describe('ECR only: fetch fresh credentials at this interval (Go duration, e.g. `10h`; minimum 1h).'),
  'skip-tls-verify': yamlBool
    .optional()
    .describe('Do not verify the server certificate; also allows plain HTTP (skopeo relay only).'),
  lister: listerSchema.optional(),
});

export const mappingSchema = z.object({
  from: z
    .string({ error: (iss) => (iss.input == null ? "mapping without 'From' path" : `expected a text value, got ${describe(iss.input)}`) })
    .describe('Source repository path, or `regex:<expr>` to select repositories from the source.'),
  to: yamlString
    .nullish()
    .describe('Target repository path (default: same as `from`), or `regex:<expr>,<replacement>`.'),
  tags: z
    .array(yamlString)
    .nullish()
    .describe('Tags to sync (default: all). Verbatim tags, digests, `regex:`, `semver:`, `keep:` filters.'),
  platform: yamlString
    .nullish()
    .describe('`os[/arch[/variant]]` to copy one platform, or `all` for every platform (skopeo relay).'),
});

export const taskSchema = z.object({
  name: z
    .string({ error: (iss) => (iss.input == null ? 'a task requires a name' : `expected a text value, got ${describe(iss.input)}`) })
    .min(1, 'a task requires a name')
    .describe('Name of the task, used in logs and by `-run`.'),
  interval: yamlInt
    .optional()
    .describe('Seconds between runs (minimum 30); omitted or 0 runs the task once.'),
  verbose: yamlBool.optional().describe("Stream the relay's own output into the log."),
  source: z
    .custom<unknown>((v) => v != null, { error: 'location is nil' })
    .pipe(locationSchema)
    .describe('Registry to copy from.'),
  target: z
    .custom<unknown>((v) => v != null, { error: 'location is nil' })
    .pipe(locationSchema)
    .describe('Registry to copy to.'),
  mappings: z
    .array(z.custom<unknown>((v) => v != null, { error: 'mapping is nil' }).pipe(mappingSchema))
    .nullish()
    .describe('What to copy: source path → target path, with tags and platform.'),
});

export const configSchema = z.object({
  relay: yamlString.optional().describe("`skopeo` or `docker`. Omitted: skopeo when found, else docker (dregsy's default is docker)."),
  skopeo: z
    .object({
      binary: yamlString.optional().describe('Path or name of the skopeo binary (default `skopeo`, looked up in PATH).'),
      'certs-dir': yamlString
        .optional()
        .describe('Directory of per-registry TLS folders `<certs-dir>/<host without port>/` (default /etc/skopeo/certs.d).'),
    })
    .nullish(),
  docker: z
    .object({
      dockerhost: yamlString.optional().describe('Docker Engine address, `unix:///var/run/docker.sock` or `tcp://host:port`.'),
      'api-version': yamlString.optional().describe('Docker Engine API version (default 1.41).'),
    })
    .nullish(),
  dockerhost: yamlString.optional().describe("Deprecated: use `docker.dockerhost`."),
  'api-version': yamlString.optional().describe("Deprecated: use `docker['api-version']`."),
  lister: z
    .object({
      maxItems: yamlInt.optional().describe('Most repositories a lister returns (default 100; negative: unlimited).'),
      cacheDuration: z
        .union([yamlString])
        .optional()
        .describe('How long a repository list is reused (Go duration, default 1h; negative: no cache).'),
    })
    .nullish(),
  watch: yamlBool.optional().describe('Restart when the config file changes.'),
  tasks: z.array(z.custom<unknown>((v) => v != null, { error: 'task is nil' }).pipe(taskSchema)).nullish(),
});

export type Config = z.output<typeof configSchema>;
export type Task = z.output<typeof taskSchema>;
export type Location = z.output<typeof locationSchema>;
export type Mapping = z.output<typeof mappingSchema>;
export type ListerSettings = z.output<typeof listerSchema>;
