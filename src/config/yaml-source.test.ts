import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readYamlSource } from './yaml-source.js';

/** Plain JSON view of the data (the loader's objects have no prototype). */
const plain = (text: string): unknown => JSON.parse(JSON.stringify(readYamlSource(text).data));

test('every scalar is its text; plain null words and empty values are null', () => {
  assert.deepEqual(plain('a: 1.30\nb: "1.40"\nc: yes\nd: ~\ne: null\nf:\ng: ""\nh: !!str null\ni: 0x1F\nj: |\n  two\n  lines\n'), {
    a: '1.30',
    b: '1.40',
    c: 'yes',
    d: null,
    e: null,
    f: null,
    g: '',
    h: 'null',
    i: '0x1F',
    j: 'two\nlines\n',
  });
  assert.deepEqual(plain('tags: [1.30, 1.0, latest]\n'), { tags: ['1.30', '1.0', 'latest'] });
});

test('anchors, aliases and merge keys are resolved', () => {
  const data = plain(`
x-defaults:
  src: &src { registry: src.example.com, skip-tls-verify: yes }
  task: &task
    source: *src
    target: { registry: dst.example.com }
tasks:
  - <<: *task
    name: anchored
  - <<: *task
    name: own-target
    target: { registry: other.example.com }
`) as { tasks: unknown[] };
  assert.deepEqual(data.tasks, [
    {
      source: { registry: 'src.example.com', 'skip-tls-verify': 'yes' },
      target: { registry: 'dst.example.com' },
      name: 'anchored',
    },
    {
      source: { registry: 'src.example.com', 'skip-tls-verify': 'yes' },
      // yaml.v2 decodes a later mapping into the existing one: keys merge, later ones win
      target: { registry: 'other.example.com' },
      name: 'own-target',
    },
  ]);
});

test('a list of merges: the first mapping wins; mappings merge key by key as in yaml.v2', () => {
  const data = plain(`
a: &a { registry: a, lister: { type: catalog } }
b: &b { registry: b, auth: none, lister: { search: x } }
t:
  <<: [*a, *b]
  extra: 1
`) as { t: unknown };
  assert.deepEqual(data.t, { registry: 'a', auth: 'none', lister: { search: 'x', type: 'catalog' }, extra: '1' });
});

test('keys after a merge win, keys before it lose (yaml.v2 applies << where it stands), with a warning', () => {
  const src = readYamlSource('d: &d { name: merged, interval: 60 }\nt:\n  name: explicit\n  <<: *d\n  interval: 120\n');
  assert.deepEqual(JSON.parse(JSON.stringify(src.data)).t, { name: 'merged', interval: '120' });
  assert.deepEqual(src.warnings, [
    {
      path: 't.name',
      line: 3,
      message: "the '<<' merge on line 4 sets this key again; as in dregsy (yaml.v2), the merged value overrides this one",
    },
  ]);
});

test('duplicate keys: the later value is used, as yaml.v2 does, and a warning names both lines', () => {
  const src = readYamlSource('relay: docker\nwatch: no\nrelay: skopeo\n');
  assert.deepEqual(JSON.parse(JSON.stringify(src.data)), { relay: 'skopeo', watch: 'no' });
  assert.equal(src.errors.length, 0);
  assert.deepEqual(src.warnings, [
    { path: 'relay', line: 3, message: 'key given twice (also on line 1); as in dregsy, the later value is used' },
  ]);
});

test('lines: the key line of map entries, the item line of list entries, else the nearest ancestor', () => {
  const src = readYamlSource(`tasks:
  - name: t
    source:
      registry: a

    mappings:
      -
      - from: x
`);
  assert.equal(src.lineOf(['tasks']), 1);
  assert.equal(src.lineOf(['tasks', 0]), 2);
  assert.equal(src.lineOf(['tasks', 0, 'source', 'registry']), 4);
  assert.equal(src.lineOf(['tasks', 0, 'source', 'auth']), 3); // missing: its parent
  assert.equal(src.lineOf(['tasks', 0, 'target']), 2);
  assert.equal(src.lineOf(['tasks', 0, 'mappings', 0]), 7);
  assert.equal(src.lineOf(['tasks', 0, 'mappings', 1, 'from']), 8);
  assert.equal(src.lineOf([]), undefined);
});

test('lines of aliased content point at where it is written', () => {
  const src = readYamlSource('a: &a\n  registry: r\nt:\n  source: *a\n');
  assert.equal(src.lineOf(['t', 'source']), 4);
  assert.equal(src.lineOf(['t', 'source', 'registry']), 2);
});

test('syntax errors carry their line', () => {
  const src = readYamlSource('tasks:\n  - name: t\n   source: [\n');
  assert.equal(src.data, undefined);
  assert.ok(src.errors.length > 0);
  assert.equal(src.errors[0]?.line, 3);
  assert.match(src.errors[0]?.message ?? '', /^YAML syntax error: /);
});

test('structural errors: unknown anchors, merges of non-mappings, self-containing aliases', () => {
  assert.deepEqual(readYamlSource('a: 1\nb: *nope\n').errors, [{ path: 'b', line: 2, message: "YAML: unknown anchor 'nope' referenced" }]);
  assert.deepEqual(readYamlSource('s: &s text\nt:\n  <<: *s\n').errors, [
    { path: 't', line: 3, message: 'YAML: map merge requires map or sequence of maps as the value' },
  ]);
  assert.equal(readYamlSource('a: &x\n  b: *x\n').errors[0]?.message, 'YAML: an alias refers to the node that contains it');
});

test('an empty file is no document; only the first document is read', () => {
  assert.equal(readYamlSource('').data, undefined);
  assert.equal(readYamlSource('# just a comment\n').data, undefined);
  const two = readYamlSource('relay: skopeo\n---\nrelay: docker\n');
  assert.deepEqual(JSON.parse(JSON.stringify(two.data)), { relay: 'skopeo' });
  assert.match(two.warnings[0]?.message ?? '', /only the first YAML document/);
});

test('keys such as __proto__ are plain keys', () => {
  const data = readYamlSource('__proto__: x\nconstructor: y\n').data as Record<string, unknown>;
  assert.equal(data.__proto__, 'x');
  assert.equal(data.constructor, 'y');
});
