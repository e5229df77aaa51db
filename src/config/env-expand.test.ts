import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../errors.js';
import { expandEnvValues, isDregsyRegex, isHookArg } from './env-expand.js';
import { InvalidConfigError, parseConfigText } from './load.js';

const VARS = { A: 'secret', B: 'b', EMPTY: '', NONE: 'none', name: 'WRONG', team: 'WRONG', LIST: '[x, y]' };

/** The config's data after expansion, or the formatted problems. */
function load(text: string, vars: Record<string, string> = VARS): { data: unknown } | { problems: string[]; warnings: string[] } {
  try {
    return { data: parseConfigText(text, 'c.yaml', vars).config };
  } catch (e) {
    if (!(e instanceof InvalidConfigError)) throw e;
    return { problems: e.problems.map((p) => formatProblem('c.yaml', p)), warnings: e.warnings.map((p) => formatProblem('c.yaml', p)) };
  }
}

test('replaces ${NAME} in values; keeps a bare $, $NAME and non-name forms; $${ is a literal ${', () => {
  const cases: Array<[string, string | null]> = [
    ['${A}', 'secret'],
    ['${A}${B}', 'secretb'],
    ['^v1$', '^v1$'],
    ['$A and $$ and $', '$A and $$ and $'],
    ['$${A}', '${A}'],
    ['${1} ${1X} ${a.b} ${', '${1} ${1X} ${a.b} ${'],
    ['${EMPTY}', null],
    ['x${EMPTY}', 'x'],
    ['${LIST}', '[x, y]'],
  ];
  for (const [input, want] of cases) {
    const r = expandEnvValues({ relay: input }, VARS);
    assert.deepEqual(r.findings, [], input);
    assert.deepEqual({ ...(r.data as object) }, { relay: want }, input);
  }
});

test("dregsy's regexes keep their ${…}: regex from and to, regex and keep tag filters", () => {
  const t = (field: string, j = 0) => ['tasks', 0, 'mappings', j, field];
  assert.equal(isDregsyRegex(t('to'), 'regex:(.*),copies/${1}'), true);
  assert.equal(isDregsyRegex(t('from'), 'regex:team/.*'), true);
  assert.equal(isDregsyRegex(t('to'), 'mirror/${TEAM}'), false, 'a plain path is expanded');
  assert.equal(isDregsyRegex(['tasks', 0, 'mappings', 0, 'tags', 2], ' keep: .*-${name}'), true);
  assert.equal(isDregsyRegex(['tasks', 0, 'mappings', 0, 'tags', 2], 'regex: x'), true);
  assert.equal(isDregsyRegex(['tasks', 0, 'mappings', 0, 'tags', 2], 'semver: >=1.0.0'), false);
  assert.equal(isDregsyRegex(['tasks', 0, 'name'], 'regex:x'), false);
});

test('a dregsy config with Go group references and ${…} in comments means what it means to dregsy', () => {
  const text = `# pushed with auth: \${NOT_SET_ANYWHERE}
tasks:
  - name: t # \${ALSO_NOT_SET}
    source: { registry: a.example.com }
    target: { registry: b.example.com, auth: "\${NONE}" }
    mappings:
      - from: regex:team-(?P<team>[a-z]+)/(.*)
        to: regex:team-(?P<team>[a-z]+)/(.*),copies/\${team}-\${2}
        tags: ['regex: v\${name}', 'keep: .*$', '1.0']
`;
  const r = load(text);
  assert.ok('data' in r, JSON.stringify(r));
  const config = r.data as { tasks: Array<{ target: { auth: string }; mappings: Array<{ to: string; tags: string[] }> }> };
  assert.equal(config.tasks[0]!.target.auth, 'none');
  assert.equal(config.tasks[0]!.mappings[0]!.to, 'regex:team-(?P<team>[a-z]+)/(.*),copies/${team}-${2}');
  assert.deepEqual(config.tasks[0]!.mappings[0]!.tags, ['regex: v${name}', 'keep: .*$', '1.0']);
});

test('a value is text, never YAML again', () => {
  const r = load('tasks:\n  - name: "${LIST}"\n    source: { registry: a }\n    target: { registry: b }\n');
  assert.ok('data' in r);
  assert.equal((r.data as { tasks: Array<{ name: string }> }).tasks[0]!.name, '[x, y]');
});

test('every unset variable is an error on its line and path, never showing a value; nothing else is checked then', () => {
  const text = 'tasks:\n  - name: t\n    interval: 5\n    source: { registry: "${SRC}" }\n    target: { registry: b, auth: "${AUTH}" }\n';
  assert.deepEqual(load(text), {
    problems: ["c.yaml:4: tasks[0].source.registry: environment variable 'SRC' is not set", "c.yaml:5: tasks[0].target.auth: environment variable 'AUTH' is not set"],
    warnings: [],
  });
  assert.deepEqual(load(text, { SRC: 'a', AUTH: 'none' }), { problems: ['c.yaml:3: tasks[0].interval: minimum task interval is 30 seconds'], warnings: [] });
});

test('an expansion to nothing leaves the field unset; shell forms stay as written with a warning', () => {
  const r = load('tasks:\n  - name: t\n    interval: "${EMPTY}"\n    source: { registry: a, auth: "${A:-x}" }\n    target: { registry: b }\n');
  assert.ok('problems' in r);
  assert.deepEqual(r.warnings, ["c.yaml:4: tasks[0].source.auth: only '${NAME}' is replaced from the environment: shell forms such as '${NAME:-default}' stay as written"]);
  assert.deepEqual(r.problems, ['c.yaml:4: tasks[0].source.auth: source registry in task \'t\' invalid: invalid Auth: not base64']);
});

test('without an environment nothing is expanded', () => {
  const plain = parseConfigText('tasks:\n  - name: t\n    source: { registry: "${SRC}" }\n    target: { registry: b }\n', 'c.yaml');
  assert.equal(plain.config.tasks?.[0]?.source.registry, '${SRC}');
});

test("an after-sync hook's args are the hook's: a shell expands them when it runs", () => {
  assert.equal(isHookArg(['tasks', 0, 'hooks', 'after-sync', 'args', 1]), true);
  assert.equal(isHookArg(['tasks', 0, 'hooks', 'after-sync', 'cmd']), false);
  const r = expandEnvValues({ tasks: [{ hooks: { 'after-sync': { cmd: '${B}/sh', args: ['-c', 'echo ${DREGSY_TASK}'] } } }] }, VARS);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(JSON.parse(JSON.stringify(r.data)), { tasks: [{ hooks: { 'after-sync': { cmd: 'b/sh', args: ['-c', 'echo ${DREGSY_TASK}'] } } }] });
});

test("a script lister's args are its program's too; its cmd and env are expanded", () => {
  const lister = { type: 'script', cmd: '${B}/list.sh', args: ['-c', 'echo ${DREGSY_TASK}'], env: { TOKEN: '${B}' } };
  const r = expandEnvValues({ tasks: [{ source: { registry: 'a', lister } }] }, VARS);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(JSON.parse(JSON.stringify(r.data)), { tasks: [{ source: { registry: 'a', lister: { ...lister, cmd: 'b/list.sh', env: { TOKEN: 'b' } } } }] });
});
