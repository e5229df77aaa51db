/**
 * Broken configs for property tests: a valid config, parsed, then changed the ways users and
 * tools break them (keys deleted, values of the wrong type, odd Unicode, huge numbers, keys
 * given twice, deep nesting, raw bytes, a file cut short), as fast-check arbitraries so every
 * case is reproducible from the seed. The result is the bytes of a config file.
 * Test infrastructure only: nothing here imports from src/.
 */
import fc from 'fast-check';
import { parse, stringify } from 'yaml';

/** Valid configs to start from; every registry is a closed port on loopback; `secret.txt` is beside the config. */
export const SEED_CONFIGS: readonly string[] = [
  `relay: skopeo
tasks:
  - name: tags
    verbose: true
    source: { registry: 127.0.0.1:1, auth: none }
    target: { registry: 127.0.0.1:2, skip-tls-verify: true, auth-file: secret.txt }
    mappings:
      - from: library/busybox
        to: mirror/busybox
        tags: ['1.36.1', 'semver: >=1.31.0 <2.0.0', 'regex: !.*-rc[0-9]+', 'keep: latest 3']
        platform: linux/amd64
`,
  `relay: native
lister: { maxItems: 50, cacheDuration: 30m }
concurrency: { copies: 2, checks: 4 }
tasks:
  - name: regex
    interval: 60
    source:
      registry: 127.0.0.1:1
      lister: { type: catalog }
    target: { registry: 127.0.0.1:2, auth-file: secret.txt }
    mappings:
      - from: regex:team-x/.*
        to: regex:team-x/(?P<app>[a-z]+)(/.*)?,mirror/$1$2
        tags: ['regex: v[0-9]+(\\.[0-9]+)*', 'keep: !latest']
        platform: all
      - from: other/app
`,
  `relay: docker
docker: { dockerhost: 'unix:///nonexistent/docker.sock', api-version: '1.41' }
watch: true
use-docker-config: false
tasks:
  - name: one
    source: { registry: 127.0.0.1:1 }
    target: { registry: 127.0.0.1:2, auth-file: secret.txt }
    mappings:
      - { from: a/b, tags: [latest] }
  - name: two
    interval: 30
    source: { registry: '127.0.0.1:1', skip-tls-verify: true }
    target: { registry: '127.0.0.1:2' }
    mappings: [{ from: c, to: d/e }]
`,
];

const KEYS = [
  'relay', 'tasks', 'name', 'interval', 'source', 'target', 'registry', 'auth', 'auth-file', 'auth-refresh',
  'skip-tls-verify', 'mappings', 'from', 'to', 'tags', 'platform', 'lister', 'type', 'maxItems', 'cacheDuration',
  'search', 'verbose', 'skopeo', 'docker', 'watch', 'concurrency', 'copies', 'checks', '<<', 'dockerhost',
];

/** Values that mean something somewhere: paths to devices, expressions, durations, terminal escapes. */
const SPECIAL = [
  '/dev/zero', '/dev/stdin', '/tmp', '/etc/hostname', '.', 'regex:(a+)+$', 'regex:a(b', 'regex:,', 'semver: >=x',
  'keep: latest 99999999999999999999', 'bob:pw@127.0.0.1:1', '123456789012@public.ecr.aws', 'Upper/Case', 'all',
  'linux/arm/v7/extra', '-1', '0', '1e400', '0x7fffffffffffffff', '10x', '-5m', '${UNSET_VAR}', '$${x}', 'none', '',
  '\x1b[2J', 'podman\x07\x00', 'a\nb', '\u202etxt.exe',
];

type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };

const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...SPECIAL),
  fc.nat({ max: 200_000 }).map((n) => 'x'.repeat(n)),
);

const value: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
    oddString,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie('v'), { maxKeys: 3 }),
  ),
})).v;

type TreeOp =
  | { kind: 'delete'; at: number }
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'insert'; at: number; key: string; value: Json };

type TextOp =
  | { kind: 'bytes'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'cut'; at: number }
  | { kind: 'nest'; at: number; depth: number; open: '[' | '{a: ' }
  | { kind: 'indent'; at: number; by: number };

const treeOp: fc.Arbitrary<TreeOp> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 10 })), value }),
);

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 2_000 }), open: fc.constantFrom('[' as const, '{a: ' as const) }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);

export interface MutatedConfig {
  seed: number;
  treeOps: TreeOp[];
  textOps: TextOp[];
  bytes: Buffer;
}

/** A seed config with 0–4 changes to its data, then at most one change to its text. */
export const mutatedConfig: fc.Arbitrary<MutatedConfig> = fc
  .record({
    seed: fc.nat({ max: SEED_CONFIGS.length - 1 }),
    treeOps: fc.array(treeOp, { maxLength: 4 }),
    textOps: fc.array(textOp, { maxLength: 1 }),
  })
  .map((m) => ({ ...m, bytes: applyText(stringify(applyTree(parse(SEED_CONFIGS[m.seed] ?? '') as Json, m.treeOps)), m.textOps) }));

/** Every place in the tree: the containers and keys that lead to each value. */
function places(root: Json): { parent: Json[] | { [key: string]: Json }; key: string | number }[] {
  const out: { parent: Json[] | { [key: string]: Json }; key: string | number }[] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) node.forEach((child, i) => (out.push({ parent: node, key: i }), walk(child)));
    else if (node !== null && typeof node === 'object') for (const [k, child] of Object.entries(node)) (out.push({ parent: node, key: k }), walk(child));
  };
  walk(root);
  return out;
}

function applyTree(root: Json, ops: TreeOp[]): Json {
  for (const op of ops) {
    const all = places(root);
    if (op.kind === 'replace' && all.length === 0) return op.value;
    const place = all[op.at % Math.max(all.length, 1)];
    if (!place) continue;
    const { parent, key } = place;
    if (op.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (op.kind === 'replace') {
      if (Array.isArray(parent)) parent[Number(key)] = op.value;
      else parent[key] = op.value;
    } else {
      const target = Array.isArray(parent) ? parent[Number(key)] : parent[key];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) target[op.key] = op.value;
      else if (Array.isArray(target)) target.push(op.value);
    }
  }
  return root;
}

function applyText(text: string, ops: TextOp[]): Buffer {
  let bytes = Buffer.from(text);
  for (const op of ops) {
    const lines = bytes.toString('latin1').split('\n');
    const line = op.at % Math.max(lines.length, 1);
    switch (op.kind) {
      case 'bytes': {
        const at = op.at % (bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), op.bytes, bytes.subarray(at)]);
        break;
      }
      case 'cut':
        bytes = bytes.subarray(0, op.at % (bytes.length + 1));
        break;
      case 'duplicate-line':
        lines.splice(line, 0, lines[line] ?? '');
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      case 'nest': {
        const close = op.open === '[' ? ']' : '}';
        lines.splice(line, 0, `deep: ${op.open.repeat(op.depth)}1${close.repeat(op.depth)}`);
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
      case 'indent': {
        const l = lines[line] ?? '';
        lines[line] = op.by >= 0 ? ' '.repeat(op.by) + l : l.replace(new RegExp(`^ {0,${-op.by}}`), '');
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
    }
  }
  return bytes;
}
