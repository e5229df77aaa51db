import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_NESTING, nestingProblem } from './yaml-depth.js';
import { readYamlSource } from './yaml-source.js';

const CONFIG = `relay: skopeo   # [not counted
tasks:
  - name: "t [x"
    source: { registry: 'a:5000', lister: { type: catalog } }
    target:
      registry: b
    mappings:
      - from: regex:team/[a-z]+
        to: regex:team/(.*),m/$1
        tags: ['regex: [[:digit:]]+', "semver: >=1.0.0", 'keep: it''s [']
      - - - nested: [[1, {a: [2]}]]
`;

test('real configs are far from the limit', () => {
  assert.equal(nestingProblem(CONFIG), undefined);
  // the last line: four indentations, three compact `- `, four brackets
  assert.equal(nestingProblem(CONFIG, 11), undefined);
  assert.equal(nestingProblem(CONFIG, 10)?.line, 11);
});

test('brackets in quotes and comments do not count', () => {
  assert.equal(nestingProblem(`a: "${'['.repeat(1000)}"\nb: '${'{'.repeat(1000)}'\n# ${'['.repeat(1000)}\n`), undefined);
});

const deep: [name: string, text: string, line: number][] = [
  ['flow sequences', `tasks: ${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}`, 1],
  ['flow mappings over lines', `tasks:\n${'{a: \n'.repeat(300)}`, MAX_NESTING + 1],
  ['compact block sequences', `tasks:\n${'- '.repeat(2_000_000)}x\n`, 2],
  ['a staircase of indentation', `tasks:\n${Array.from({ length: 2800 }, (_, i) => `${' '.repeat(i + 1)}-`).join('\n')}\n`, MAX_NESTING],
];
for (const [name, text, line] of deep) {
  test(`${name}: refused before the YAML library, in linear time, with the line`, () => {
    const started = performance.now();
    const source = readYamlSource(text);
    assert.deepEqual(source.errors, [{ path: '', line, message: `the YAML nests deeper than ${MAX_NESTING} levels, more than any config needs: is this the right file?` }]);
    assert.ok(performance.now() - started < 5_000, 'the library takes minutes or runs out of memory here');
  });
}
