import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../errors.js';
import { expandEnv } from './env-expand.js';
import { InvalidConfigError, parseConfigText } from './load.js';

test('replaces ${NAME}, keeps bare $ and the escape $${', () => {
  const cases: Array<[string, string]> = [
    ['auth: ${A}\n', 'auth: secret\n'],
    ['x: "${A}${B}"', 'x: "secretb"'],
    ['from: regex:^v1$\n', 'from: regex:^v1$\n'],
    ['a: $A and $$ and $', 'a: $A and $$ and $'],
    ['a: $${A}', 'a: ${A}'],
    ['e: "${EMPTY}"', 'e: ""'],
    ['crlf: ${B}\r\nnext: 1\r\n', 'crlf: b\r\nnext: 1\r\n'],
  ];
  for (const [input, want] of cases) {
    const r = expandEnv(input, { A: 'secret', B: 'b', EMPTY: '' });
    assert.deepEqual(r.problems, [], input);
    assert.equal(r.text, want, input);
  }
});

test('every undefined variable is a problem naming it, on its line; line count is unchanged', () => {
  const text = 'tasks:\n  - name: ${NAME}\n    auth: ${MISSING}\n    other: ${ALSO_MISSING} ${MISSING}\n';
  const r = expandEnv(text, { NAME: 't' });
  assert.deepEqual(r.problems, [
    { line: 3, message: "environment variable 'MISSING' is not set" },
    { line: 4, message: "environment variable 'ALSO_MISSING' is not set" },
    { line: 4, message: "environment variable 'MISSING' is not set" },
  ]);
  assert.equal(r.text.split('\n').length, text.split('\n').length);
});

test('whole-line comments are not expanded', () => {
  const r = expandEnv('# auth: ${OLD}\n  # ${X}\na: 1 # ${Y}\n', { Y: 'y' });
  assert.deepEqual(r.problems, []);
  assert.equal(r.text, '# auth: ${OLD}\n  # ${X}\na: 1 # y\n');
});

test('malformed references and values with line breaks are problems that never show the value', () => {
  const r = expandEnv('a: ${1X}\nb: ${OPEN\nc: ${ML}\n', { ML: 'line1\nline2-secret' });
  assert.equal(r.problems.length, 3);
  assert.match(r.problems[0]!.message, /invalid variable reference '\$\{1X\}'/);
  assert.equal(r.problems[1]!.line, 2);
  assert.match(r.problems[1]!.message, /invalid variable reference '\$\{OPEN'/);
  assert.deepEqual(r.problems[2], { line: 3, message: "environment variable 'ML' contains a line break, which a config value cannot hold" });
  assert.ok(!JSON.stringify(r.problems).includes('secret'));
});

test('the loader expands before parsing: problems name the file and line, later lines keep their numbers', () => {
  const text = 'tasks:\n  - name: t\n    source: { registry: "${SRC}" }\n    target: { registry: b, auth: "${AUTH}" }\n    interval: 5\n';
  const problems = (env: Record<string, string>) => {
    try {
      parseConfigText(text, 'c.yaml', env);
      return [];
    } catch (e) {
      if (!(e instanceof InvalidConfigError)) throw e;
      return e.problems.map((p) => formatProblem('c.yaml', p));
    }
  };
  assert.deepEqual(problems({}), ["c.yaml:3: environment variable 'SRC' is not set", "c.yaml:4: environment variable 'AUTH' is not set"]);
  assert.deepEqual(problems({ SRC: 'a', AUTH: 'none' }), ['c.yaml:5: tasks[0].interval: minimum task interval is 30 seconds']);
  const loaded = parseConfigText(text.replace('interval: 5', 'interval: 30'), 'c.yaml', { SRC: 'src.example.com:5000', AUTH: 'none' });
  assert.equal(loaded.config.tasks?.[0]?.source.registry, 'src.example.com:5000');
  const plain = parseConfigText('tasks:\n  - name: t\n    source: { registry: "${SRC}" }\n    target: { registry: b }\n', 'c.yaml');
  assert.equal(plain.config.tasks?.[0]?.source.registry, '${SRC}', 'no env given: no expansion');
});
