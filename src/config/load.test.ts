import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, formatProblem } from '../errors.js';
import { InvalidConfigError, loadConfig, parseConfigText } from './load.js';

/** dregsy's README, first example (relay and task reference), comments as in the README. */
const README_FULL = `# relay type, either 'skopeo' or 'docker'
relay: skopeo

# relay config sections
skopeo:
  # path to the skopeo binary; defaults to 'skopeo', in which case it needs to
  # be in PATH
  binary: skopeo
  # directory under which to look for client certs & keys, as well as CA certs
  # (see note below)
  certs-dir: /etc/skopeo/certs.d

docker:
  # Docker host to use as the relay
  dockerhost: unix:///var/run/docker.sock
  # Docker API version to use, defaults to 1.24
  api-version: 1.24

# list of sync tasks
tasks:

  - name: task1 # required

    # interval in seconds at which the task should be run; when omitted,
    # the task is only run once at start-up
    interval: 60

    # determines whether for this task, more verbose output should be
    # produced; defaults to false when omitted
    verbose: true

    # 'source' and 'target' are both required and describe the source and
    # target registries for this task:
    #  - 'registry' points to the server; required
    #  - 'auth' contains the base64 encoded credentials for the registry
    #    in JSON form {"username": "...", "password": "..."}
    #  - 'auth-refresh' specifies an interval for automatic retrieval of
    #    credentials; only for AWS ECR (see below)
    #  - 'skip-tls-verify' determines whether to skip TLS verification for the
    #    registry server (only for 'skopeo', see note below); defaults to false
    source:
      registry: source-registry.acme.com
      auth: eyJ1c2VybmFtZSI6ICJhbGV4IiwgInBhc3N3b3JkIjogInNlY3JldCJ9Cg==
    target:
      registry: dest-registry.acme.com
      auth: eyJ1c2VybmFtZSI6ICJhbGV4IiwgInBhc3N3b3JkIjogImFsc29zZWNyZXQifQo=
      skip-tls-verify: true

    # 'mappings' is a list of 'from':'to' pairs that define mappings of image
    # paths in the source registry to paths in the destination; 'from' is
    # required, while 'to' can be dropped if the path should remain the same as
    # 'from'. Additionally, the tags being synced for a mapping can be limited
    # by providing a 'tags' list. When omitted, all image tags are synced.
    mappings:
      - from: test/image
        to: archive/test/image
        tags: ['0.1.0', '0.1.1']
      - from: test/another-image
`;

/** dregsy's README, Kubernetes example. */
const README_KUBERNETES = `relay: skopeo
tasks:
- name: task1
  interval: 60
  source:
    registry: registry.acme.com
    auth: eyJ1c2VybmFtZSI6ICJhbGV4IiwgInBhc3N3b3JkIjogInNlY3JldCJ9Cg==
  target:
    registry: registry.my-cluster
    auth: eyJ1c2VybmFtZSI6ICJhbGV4IiwgInBhc3N3b3JkIjogImFsc29zZWNyZXQifQo=
  mappings:
  - from: test/image
    to: archive/test/image
  - from: test/another-image
`;

test("dregsy's README reference config loads, every value as dregsy reads it", () => {
  const { config, warnings } = parseConfigText(README_FULL, 'config.yaml');
  assert.deepEqual(warnings, []);
  assert.equal(config.relay, 'skopeo');
  assert.deepEqual(config.skopeo, { binary: 'skopeo', 'certs-dir': '/etc/skopeo/certs.d' });
  assert.deepEqual(config.docker, { dockerhost: 'unix:///var/run/docker.sock', 'api-version': '1.24' });
  const [task] = config.tasks ?? [];
  assert.ok(task);
  assert.equal(task.name, 'task1');
  assert.equal(task.interval, 60);
  assert.equal(task.verbose, true);
  assert.equal(task.source.registry, 'source-registry.acme.com');
  assert.equal(task.target?.['skip-tls-verify'], true);
  assert.equal(task.source['skip-tls-verify'], undefined);
  assert.deepEqual(task.mappings, [
    { from: 'test/image', to: 'archive/test/image', tags: ['0.1.0', '0.1.1'] },
    { from: 'test/another-image' },
  ]);
});

test("dregsy's README Kubernetes config loads", () => {
  const { config, warnings } = parseConfigText(README_KUBERNETES, 'config.yaml');
  assert.deepEqual(warnings, []);
  assert.equal(config.tasks?.length, 1);
  assert.equal(config.tasks?.[0]?.target?.registry, 'registry.my-cluster');
  assert.equal(config.tasks?.[0]?.mappings?.length, 2);
});

test("this project's demo config loads", async () => {
  const text = await readFile(new URL('../../config.yaml', import.meta.url), 'utf8');
  const { config, warnings } = parseConfigText(text, 'config.yaml');
  assert.deepEqual(warnings, []);
  assert.ok((config.tasks?.length ?? 0) > 0);
});

test('YAML 1.1 booleans, and numbers that stay text where dregsy reads text', () => {
  const { config } = parseConfigText(
    `watch: on
docker:
  api-version: 1.40
tasks:
  - name: 2024
    verbose: yes
    source: { registry: a, skip-tls-verify: Y }
    target: { registry: b, skip-tls-verify: off }
    mappings:
      - from: library/busybox
        tags: [1.30, 1.0, 1.36.1, latest]
`,
    'c.yaml',
  );
  assert.equal(config.watch, true);
  assert.equal(config.docker?.['api-version'], '1.40');
  const task = config.tasks?.[0];
  assert.equal(task?.name, '2024');
  assert.equal(task?.verbose, true);
  assert.equal(task?.source['skip-tls-verify'], true);
  assert.equal(task?.target?.['skip-tls-verify'], false);
  assert.deepEqual(task?.mappings?.[0]?.tags, ['1.30', '1.0', '1.36.1', 'latest']);
});

test('empty values are the Go zero value: optional fields read as not set', () => {
  const { config } = parseConfigText('relay:\nwatch:\ntasks:\n  - name: t\n    interval:\n    source: { registry: a, auth: }\n    target: { registry: b }\n    mappings:\n', 'c.yaml');
  assert.equal(config.relay, undefined);
  assert.equal(config.watch, undefined);
  assert.equal(config.tasks?.[0]?.interval, undefined);
  assert.equal(config.tasks?.[0]?.source.auth, undefined);
});

test('anchors, aliases and merge keys (a common way to share registries between tasks)', () => {
  const { config, warnings } = parseConfigText(
    `
x-registries:
  src: &src { registry: src.example.com, skip-tls-verify: yes }
  defaults: &defaults
    interval: 60
    source: *src
    target: { registry: dst.example.com }
tasks:
  - <<: *defaults
    name: anchored
  - <<: *defaults
    name: faster
    interval: 30
    mappings:
      - from: a
`,
    'c.yaml',
  );
  assert.deepEqual(warnings, []);
  const [a, b] = config.tasks ?? [];
  assert.equal(a?.name, 'anchored');
  assert.equal(a?.interval, 60);
  assert.equal(a?.source['skip-tls-verify'], true);
  assert.equal(b?.interval, 30);
  assert.equal(b?.target?.registry, 'dst.example.com');
});

test('an empty file, or one without tasks, is an error (dregsy runs nothing and succeeds)', () => {
  const cases: [text: string, where: string][] = [
    ['', 'c.yaml'],
    ['# nothing yet\n', 'c.yaml'],
    ['relay: skopeo\n', 'c.yaml'],
    ['relay: skopeo\ntasks:\n', 'c.yaml:2'],
  ];
  for (const [text, where] of cases) {
    assert.throws(() => parseConfigText(text, 'c.yaml'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems.map((p) => formatProblem('c.yaml', p)), [`${where}: tasks: no 'tasks' in the config: there is nothing to sync`]);
      return true;
    });
  }
  assert.deepEqual(parseConfigText('tasks: []\n', 'c.yaml').config, { tasks: [] });
});

test('every problem is reported at once, each with its own line, in file order', () => {
  const text = `relay: podman
tasks:
  - name: first
    interval: 5
    source: { registry: a }
    target: {}
  - interval: -1
    source: { registry: a }
    target: { registry: b }
`;
  assert.throws(
    () => parseConfigText(text, 'many.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.problems.map((p) => formatProblem('many.yaml', p)),
        [
          "many.yaml:1: relay: invalid relay type: 'podman', must be either 'docker', 'skopeo' or 'native'",
          'many.yaml:4: tasks[0].interval: minimum task interval is 30 seconds',
          "many.yaml:6: tasks[0].target.registry: target registry in task 'first' invalid: registry not set",
          'many.yaml:7: tasks[1].name: a task requires a name',
          'many.yaml:7: tasks[1].interval: task interval needs to be 0 or a positive integer',
        ],
      );
      assert.equal(e.message.split('\n').length, 5);
      return true;
    },
  );
});

test('a YAML syntax error is a ConfigError with its line', () => {
  assert.throws(
    () => parseConfigText('tasks:\n  - name: t\n   source: [\n', 'bad.yaml'),
    (e: unknown) => e instanceof ConfigError && e.problems[0]?.line === 3 && /^bad\.yaml:3: YAML syntax error: /.test(e.message),
  );
});

test('the warnings travel with the error, for the CLI to show', () => {
  assert.throws(
    () => parseConfigText('tasks:\n  - name: t\n    source: { registy: a }\n    target: { registry: b }\n', 'c.yaml'),
    (e: unknown) => e instanceof InvalidConfigError && e.warnings[0]?.message === "unknown key, did you mean 'registry'?",
  );
});

test('loadConfig reads the file; a missing file is a ConfigError in dregsy’s words', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dregsy-config-'));
  try {
    const file = join(dir, 'config.yaml');
    await writeFile(file, README_KUBERNETES);
    const loaded = await loadConfig(file);
    assert.equal(loaded.file, file);
    assert.equal(loaded.config.tasks?.[0]?.name, 'task1');
    const missing = join(dir, 'nope.yaml');
    await assert.rejects(loadConfig(missing), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems[0]?.message, `error loading config file '${missing}': no such file or directory`);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a wrong value is shown by its start, not whole', () => {
  assert.throws(
    () => parseConfigText(`tasks: ${'x'.repeat(100_000)}\n`, 'c.yaml'),
    (e: unknown) => e instanceof ConfigError && e.message === `c.yaml:1: tasks: expected a list, got '${'x'.repeat(77)}...'`,
  );
});

test('control characters in a quoted value are shown escaped, never sent to the terminal', () => {
  assert.throws(
    () => parseConfigText('relay: "\\e[2J\\x07"\ntasks: []\n', 'c.yaml'),
    (e: unknown) => e instanceof ConfigError && e.message.startsWith("c.yaml:1: relay: invalid relay type: '\\x1b[2J\\x07'"),
  );
});
