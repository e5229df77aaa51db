import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { configJsonSchema } from './json-schema.js';
import { writeJsonSchema } from './write-json-schema.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), 'an object');
  return v as Json;
};
/** The object branch of a property that may also be null. */
const objectBranch = (v: unknown): Json => {
  const o = obj(v);
  if (o.type === 'object') return o;
  const branch = (o.anyOf as unknown[] | undefined)?.map(obj).find((b) => b.type === 'object');
  assert.ok(branch, 'an object branch');
  return branch;
};
const types = (v: unknown): string[] => {
  const o = obj(v);
  if (typeof o.type === 'string') return [o.type];
  if (Array.isArray(o.type)) return o.type as string[];
  return ((o.anyOf as unknown[]) ?? []).flatMap(types);
};

test('a draft 2020-12 JSON Schema with title, descriptions, and no additionalProperties', () => {
  const schema = configJsonSchema();
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema.title, 'dregsy configuration');
  assert.equal(typeof schema.description, 'string');
  assert.doesNotMatch(JSON.stringify(schema), /additionalProperties/);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(schema)));
});

test('keys and types match what a dregsy config holds', () => {
  const schema = configJsonSchema();
  const top = obj(schema.properties);
  assert.deepEqual(schema.required, ['tasks'], 'a config without tasks is an error, in the editor too');
  assert.deepEqual(Object.keys(top).sort(), ['api', 'api-version', 'concurrency', 'docker', 'dockerhost', 'listen', 'lister', 'relay', 'retry', 'shards', 'skopeo', 'tasks', 'use-docker-config', 'watch']);
  assert.ok(types(top.shards).includes('integer'), 'shards is a count');
  assert.deepEqual(obj(top.relay).anyOf, [{ type: 'string', enum: ['docker', 'skopeo', 'native'] }, { type: 'null' }]);
  assert.ok(types(top.watch).includes('boolean'));
  assert.ok(JSON.stringify(top.watch).includes('"yes"'), 'YAML 1.1 booleans are offered');

  const tasks = obj(top.tasks).anyOf as unknown[];
  const task = obj(obj(tasks.map(obj).find((t) => t.type === 'array')?.items));
  // `target` or `targets` (not in dregsy): rules.ts requires exactly one of them
  assert.deepEqual(task.required, ['name', 'source']);
  const taskProps = obj(task.properties);
  assert.deepEqual(Object.keys(taskProps).sort(), ['backup', 'delay', 'disable', 'hooks', 'interval', 'mappings', 'name', 'run-on-start', 'schedule', 'source', 'target', 'targets', 'verbose', 'webhook']);
  assert.ok(types(taskProps.interval).includes('integer'));
  assert.equal(typeof obj(taskProps.name).description, 'string');

  const source = objectBranch(taskProps.source);
  assert.deepEqual(source.required, ['registry']);
  assert.deepEqual(Object.keys(obj(source.properties)).sort(), ['auth', 'auth-file', 'auth-refresh', 'lister', 'registry', 'skip-tls-verify']);

  const mapping = obj(obj((obj(taskProps.mappings).anyOf as unknown[]).map(obj).find((m) => m.type === 'array')?.items));
  assert.deepEqual(mapping.required, ['from']);
  assert.deepEqual(Object.keys(obj(mapping.properties)).sort(), ['allow', 'backup', 'deny', 'force', 'from', 'platform', 'referrers', 'tags', 'to']);
  const tags = objectBranchOrArray(obj(mapping.properties).tags);
  assert.ok(types(tags.items).includes('string'));
  assert.ok(types(tags.items).includes('number'), 'an editor sees `tags: [1.30]` as a number; it is fine');
});

function objectBranchOrArray(v: unknown): Json {
  const o = obj(v);
  if (o.type === 'array') return o;
  const branch = (o.anyOf as unknown[] | undefined)?.map(obj).find((b) => b.type === 'array');
  assert.ok(branch);
  return branch;
}

/**
 * A structural check of data against the schema, as an editor would do it: every key is
 * known at its level and every value has an allowed JSON type. Enough for a sanity check.
 */
function structuralProblems(schema: unknown, value: unknown, path: string): string[] {
  const s = obj(schema);
  const branches = Array.isArray(s.anyOf) ? (s.anyOf as unknown[]) : [s];
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value;
  const fits = branches.map(obj).filter((b) => {
    const allowed = Array.isArray(b.type) ? (b.type as string[]) : b.type ? [b.type as string] : [];
    if (b.anyOf) return structuralProblems(b, value, path).length === 0;
    if (b.enum) return (b.enum as unknown[]).includes(value);
    return allowed.includes(kind) || (kind === 'number' && allowed.includes('integer') && Number.isInteger(value));
  });
  if (fits.length === 0) return [`${path}: ${kind} not allowed`];
  const branch = fits[0] as Json;
  if (kind === 'object' && branch.properties) {
    const props = obj(branch.properties);
    return Object.entries(value as Json).flatMap(([k, v]) =>
      k in props ? structuralProblems(props[k], v, `${path}.${k}`) : [`${path}.${k}: unknown key`],
    );
  }
  if (kind === 'array' && branch.items) return (value as unknown[]).flatMap((v, i) => structuralProblems(branch.items, v, `${path}[${i}]`));
  return [];
}

test("the README config passes the schema as an editor reads it (YAML 1.2), and a typo'd one does not", () => {
  const sample = parse(`relay: skopeo
skopeo: { binary: skopeo, certs-dir: /etc/skopeo/certs.d }
docker: { dockerhost: unix:///var/run/docker.sock, api-version: 1.24 }
lister: { maxItems: 50, cacheDuration: 30m }
watch: yes
tasks:
  - name: task1
    interval: 60
    verbose: true
    source: { registry: source-registry.acme.com, auth: eyJ1c2VybmFtZSI6ICJhbGV4In0K, lister: { type: index, search: acme } }
    target: { registry: dest-registry.acme.com, skip-tls-verify: on, auth-refresh: 10h }
    mappings:
      - from: test/image
        to: archive/test/image
        tags: ['0.1.0', 1.30, 'semver: >=1.0.0']
        platform: linux/amd64
      - from: test/another-image
`);
  const schema = configJsonSchema();
  assert.deepEqual(structuralProblems(schema, sample, '$'), []);
  assert.deepEqual(structuralProblems(schema, { relay: 'podman', tasks: [{ name: 't', intervall: 5 }] }, '$'), [
    '$.relay: string not allowed',
    '$.tasks[0].intervall: unknown key',
  ]);
});

test('write-json-schema writes the schema file the build ships', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dregsy-schema-'));
  try {
    const out = join(dir, 'schema', 'dregsy-config.schema.json');
    await writeJsonSchema(out);
    assert.deepEqual(JSON.parse(await readFile(out, 'utf8')), configJsonSchema());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the committed schema/dregsy-config.schema.json (what config.yaml points editors at) is current', async () => {
  const committed = await readFile(new URL('../../schema/dregsy-config.schema.json', import.meta.url), 'utf8');
  assert.deepEqual(JSON.parse(committed), configJsonSchema(), 'run `make build` and commit schema/');
});
