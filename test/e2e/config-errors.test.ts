/**
 * Every validation rule as a user meets it: the built CLI on a config with that mistake
 * prints `FILE:LINE: PATH: MESSAGE` on stderr and exits 2 without running anything.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makeTempDir } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-config-');
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const task = (extra: string) => `tasks:
  - name: t
    source: { registry: src.example.com }
    target: { registry: dst.example.com }
${extra}`;

/** [rule, config text, expected stderr line (after the file name)] */
const rules: Array<[string, string, RegExp]> = [
  ['relay value', `relay: podman\n${task('')}`, /:1: relay: invalid relay type: 'podman', must be either 'docker', 'skopeo' or 'native'/],
  ['dockerhost with relay skopeo', `relay: skopeo\ndockerhost: tcp://x:2375\n${task('')}`, /:2: dockerhost: setting 'dockerhost' implies 'docker' relay, but relay is set to 'skopeo'/],
  ['dockerhost with relay native', `relay: native\ndockerhost: tcp://x:2375\n${task('')}`, /:2: dockerhost: setting 'dockerhost' implies 'docker' relay, but relay is set to 'native'/],
  ['task name', 'tasks:\n  - source: { registry: a }\n    target: { registry: b }\n', /:2: tasks\[0\]\.name: a task requires a name/],
  ['interval below 30', 'tasks:\n  - name: t\n    interval: 10\n    source: { registry: a }\n    target: { registry: b }\n', /:3: tasks\[0\]\.interval: minimum task interval is 30 seconds/],
  ['negative interval', 'tasks:\n  - name: t\n    interval: -5\n    source: { registry: a }\n    target: { registry: b }\n', /:3: tasks\[0\]\.interval: task interval needs to be 0 or a positive integer/],
  ['source missing', 'tasks:\n  - name: t\n    target: { registry: b }\n', /:2: tasks\[0\]\.source: source registry in task 't' invalid: location is nil/],
  ['registry missing', 'tasks:\n  - name: t\n    source: { auth: none }\n    target: { registry: b }\n', /:3: tasks\[0\]\.source\.registry: source registry in task 't' invalid: registry not set/],
  ['auth not base64', task('').replace('registry: src.example.com', 'registry: src.example.com, auth: "%%%"'), /:3: tasks\[0\]\.source\.auth: source registry in task 't' invalid: invalid Auth/],
  ['auth-refresh on a non-ECR registry', task('').replace('registry: dst.example.com', 'registry: dst.example.com, auth-refresh: 10h'), /:4: tasks\[0\]\.target\.auth-refresh: target registry in task 't' invalid: 'dst\.example\.com' wants authentication refresh, but is not an ECR registry/],
  ['mapping without from', task('    mappings:\n      - to: x\n'), /:6: tasks\[0\]\.mappings\[0\]\.from: mapping without 'From' path/],
  ['null mapping', task('    mappings:\n      -\n'), /:6: tasks\[0\]\.mappings\[0\]: mapping is nil/],
  ['bad from regex', task('    mappings:\n      - from: "regex:a(b"\n'), /:6: tasks\[0\]\.mappings\[0\]\.from: 'from' uses invalid regular expression/],
  ['to regex without replacement', task('    mappings:\n      - from: a\n        to: "regex:abc"\n'), /:7: tasks\[0\]\.mappings\[0\]\.to: replacement expression missing in 'to'/],
  ['bad tag regex', task("    mappings:\n      - from: a\n        tags: ['regex: x(']\n"), /:7: tasks\[0\]\.mappings\[0\]\.tags\[0\]: 'tags' uses invalid format/],
  ['bad semver range', task("    mappings:\n      - from: a\n        tags: ['semver: >=x.y']\n"), /:7: tasks\[0\]\.mappings\[0\]\.tags\[0\]: 'tags' uses invalid format/],
  ['bad platform', task('    mappings:\n      - from: a\n        platform: linux/arm/v7/extra\n'), /:7: tasks\[0\]\.mappings\[0\]\.platform: .*platform/],
  ['lister without type', task('').replace('registry: src.example.com', 'registry: src.example.com, lister: { search: x }'), /:3: tasks\[0\]\.source\.lister: source registry in task 't' invalid: no lister type set/],
  ['unknown lister type', task('').replace('registry: src.example.com', 'registry: src.example.com, lister: { type: magic }'), /:3: tasks\[0\]\.source\.lister\.type: source registry in task 't' invalid: invalid lister type: magic/],
  ['index lister without search', task('    mappings:\n      - from: regex:x/.*\n').replace('registry: src.example.com', 'registry: src.example.com, lister: { type: index }'), /:3: tasks\[0\]\.source\.lister: cannot create repo list for task 't': index lister requires a search expression/],
  ['DockerHub lister rule', task('    mappings:\n      - from: regex:x/.*\n').replace('registry: src.example.com', 'registry: registry.hub.docker.com, lister: { type: catalog }'), /:3: tasks\[0\]\.source\.lister\.type: cannot create repo list for task 't': DockerHub only supports list types 'dockerhub' and 'index'/],
  ['wrong value type', 'tasks:\n  - name: t\n    verbose: maybe\n    source: { registry: a }\n    target: { registry: b }\n', /:3: tasks\[0\]\.verbose: expected true or false, got 'maybe'/],
  ['YAML syntax', 'tasks:\n  - name: t\n   source: [\n', /:3/],
];

describe('each validation rule: message with path and line, exit code 2', () => {
  for (const [rule, yaml, expected] of rules) {
    test(rule, async () => {
      const file = await writeConfig(dir, yaml, `${rule.replace(/\W+/g, '-')}.yaml`);
      const r = await runDregsy([`-config=${file}`]);
      assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.ok(r.stderr.includes(file), 'the message names the file');
      assert.doesNotMatch(r.stdout, /task run started/, 'nothing ran');
    });
  }
});

test('all problems are reported at once, each with its own line', async () => {
  const file = await writeConfig(
    dir,
    `relay: podman
tasks:
  - name: first
    interval: 5
    source: { registry: a }
    target: {}
  - interval: -1
    source: { registry: a }
    target: { registry: b }
`,
    'many.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid config \(5 problems\)/);
  for (const line of [
    /many\.yaml:1: relay: invalid relay type/,
    /many\.yaml:4: tasks\[0\]\.interval: minimum task interval is 30 seconds/,
    /many\.yaml:6: tasks\[0\]\.target\.registry: target registry in task 'first' invalid: registry not set/,
    /many\.yaml:7: tasks\[1\]\.name: a task requires a name/,
    /many\.yaml:7: tasks\[1\]\.interval: task interval needs to be 0 or a positive integer/,
  ]) {
    assert.match(r.stderr, line);
  }
});

test('an unknown key is a warning naming the closest known key, and the run goes on', async () => {
  const file = await writeConfig(dir, task('').replace('registry: dst.example.com', 'registry: dst.example.com, skip-tls-verfy: true'), 'typo.yaml');
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /typo\.yaml:4: tasks\[0\]\.target\.skip-tls-verfy: unknown key, did you mean 'skip-tls-verify'\?/);
});

test("a Docker Hub source without 'from: regex:' needs no lister: no warning about one", async () => {
  const file = await writeConfig(dir, task('').replace('registry: src.example.com', 'registry: registry.hub.docker.com'), 'hub.yaml');
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /DockerHub only supports|WARN/);
});

test('the warnings that explain an invalid config are printed with it: a typo of a required key', async () => {
  const file = await writeConfig(dir, task('').replace('registry: dst.example.com', 'registy: dst.example.com'), 'typo-required.yaml');
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /typo-required\.yaml:4: tasks\[0\]\.target\.registry: target registry in task 't' invalid: registry not set/);
  assert.match(r.stderr, /warning: .*typo-required\.yaml:4: tasks\[0\]\.target\.registy: unknown key, did you mean 'registry'\?/);
});

test('YAML anchors, aliases and merge keys work as in dregsy configs', async () => {
  const file = await writeConfig(
    dir,
    `
x-registries:
  src: &src { registry: src.example.com, skip-tls-verify: yes }
  defaults: &defaults
    source: *src
    target: { registry: dst.example.com }
tasks:
  - <<: *defaults
    name: anchored
`,
    'anchors.yaml',
  );
  const r = await runDregsy([`-config=${file}`], { env: { LOG_LEVEL: 'info' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[anchored\] task run started/);
});
