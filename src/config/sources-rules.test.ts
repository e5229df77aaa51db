/**
 * Config rules for what issue 14 adds to a task (not in dregsy): `targets`, the `script`
 * lister and `allow:`/`deny:` lists. Each bad input is reported at its path, all at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../errors.js';
import { InvalidConfigError, parseConfigText } from './load.js';

function problems(text: string): { errors: string[]; warnings: string[] } {
  try {
    const { warnings } = parseConfigText(text, 'c.yaml');
    return { errors: [], warnings: warnings.map((p) => formatProblem('c.yaml', p)) };
  } catch (e) {
    if (!(e instanceof InvalidConfigError)) throw e;
    return { errors: e.problems.map((p) => formatProblem('c.yaml', p)), warnings: e.warnings.map((p) => formatProblem('c.yaml', p)) };
  }
}

const task = (body: string) => `tasks:
  - name: t
    source:
      registry: src.example.com
${body}`;

test('targets: several registries load; each is a location', () => {
  const { config } = parseConfigText(task('    targets:\n      - registry: a.example.com\n      - registry: b.example.com:5000\n    mappings: [{ from: x }]\n'), 'c.yaml');
  assert.deepEqual(config.tasks?.[0]?.targets?.map((t) => t.registry), ['a.example.com', 'b.example.com:5000']);
  assert.equal(config.tasks?.[0]?.target, undefined);
});

test("target and targets together, an empty list, a registry named twice, a nil entry", () => {
  const both = problems(task('    target: { registry: a.example.com }\n    targets: [{ registry: b.example.com }]\n'));
  assert.ok(both.errors.some((e) => e.includes('tasks[0].targets') && e.includes("'target' and 'targets' cannot both be set")), both.errors.join('\n'));
  const empty = problems(task('    targets: []\n'));
  assert.ok(empty.errors.some((e) => e.includes("'targets' is empty")), empty.errors.join('\n'));
  const twice = problems(task('    targets: [{ registry: a.example.com }, { registry: A.example.com:443 }]\n'));
  assert.ok(twice.errors.some((e) => e.includes('tasks[0].targets[1].registry') && e.includes('already targets[0]')), twice.errors.join('\n'));
  const none = problems(task('    mappings: [{ from: x }]\n'));
  assert.ok(none.errors.some((e) => e.includes('tasks[0].target') && e.includes('location is nil')), none.errors.join('\n'));
});

test('script lister: cmd required, its keys only with type script, a timeout above zero', () => {
  const noCmd = problems(task("      lister: { type: script }\n    target: { registry: d.example.com }\n    mappings: [{ from: 'regex:.*' }]\n"));
  assert.ok(noCmd.errors.some((e) => e.includes('tasks[0].source.lister') && e.includes("requires 'cmd'")), noCmd.errors.join('\n'));
  const stray = problems(task("      lister: { type: catalog, cmd: ./x.sh }\n    target: { registry: d.example.com }\n    mappings: [{ from: 'regex:.*' }]\n"));
  assert.ok(stray.errors.some((e) => e.includes('tasks[0].source.lister.cmd') && e.includes('belongs to the script lister')), stray.errors.join('\n'));
  const zero = problems(task("      lister: { type: script, cmd: ./x.sh, timeout: 0s }\n    target: { registry: d.example.com }\n    mappings: [{ from: 'regex:.*' }]\n"));
  assert.ok(zero.errors.some((e) => e.includes('tasks[0].source.lister.timeout') && e.includes('more than 0')), zero.errors.join('\n'));
  const unused = problems(task('      lister: { type: script, cmd: ./x.sh }\n    target: { registry: d.example.com }\n    mappings: [{ from: x }]\n'));
  assert.deepEqual(unused.errors, []);
  assert.ok(unused.warnings.some((w) => w.includes('the script never runs')), unused.warnings.join('\n'));
});

test('allow/deny: a bad expression is an error at its own index', () => {
  const bad = problems(task("    target: { registry: d.example.com }\n    mappings:\n      - from: x\n        allow: { tags: ['ok', '(bad'] }\n        deny: { repos: ['[z'] }\n"));
  assert.ok(bad.errors.some((e) => e.includes('tasks[0].mappings[0].allow.tags[1]')), bad.errors.join('\n'));
  assert.ok(bad.errors.some((e) => e.includes('tasks[0].mappings[0].deny.repos[0]')), bad.errors.join('\n'));
});

test("a dregsy config keeps its meaning: no targets, no lists, listers as dregsy knows them", () => {
  const { config } = parseConfigText(task("    target: { registry: d.example.com }\n    mappings: [{ from: 'regex:a/.*' }]\n"), 'c.yaml');
  assert.equal(config.tasks?.[0]?.target?.registry, 'd.example.com');
  assert.equal(config.tasks?.[0]?.targets, undefined);
});
