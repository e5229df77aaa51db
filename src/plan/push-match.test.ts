import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../config/load.js';
import { resolveTasks } from '../model/resolve-tasks.js';
import { matchPush, selectPush } from './push-match.js';
import { routePush } from '../service/push-routing.js';

function taskOf(yaml: string) {
  const loaded = parseConfigText(yaml, 'test.yaml');
  return resolveTasks(loaded.config)[0]!;
}

const task = taskOf(`
tasks:
  - name: t
    webhook: true
    source: { registry: reg.example.com:5000 }
    target: { registry: mirror.example.com }
    mappings:
      - { from: team/app, to: m/app, tags: ['regex: v.*', '1.0'] }
      - { from: 'regex:team/lib-.*', to: libs }
      - { from: team/app, to: latest/app, tags: ['keep: latest 2', 'semver: >=1.0.0 <2.0.0'] }
      - { from: team/pinned, tags: ['1.0@sha256:${'a'.repeat(64)}'] }
`);

test('a push matches the mappings that select its repository and admit its tag', () => {
  const on = (repo: string, tag: string, host: string | undefined = 'reg.example.com:5000') => matchPush(task, { host, repo, tag });
  assert.deepEqual(on('team/app', 'v2'), [{ mapping: 0, repo: 'team/app', tag: 'v2' }]);
  assert.deepEqual(on('team/app', '1.0'), [{ mapping: 0, repo: 'team/app', tag: '1.0' }, { mapping: 2, repo: 'team/app', tag: '1.0' }], 'keep: latest is decided by the run');
  assert.deepEqual(on('team/app', 'nightly'), [], 'no mapping admits the tag');
  assert.deepEqual(on('team/lib-x', 'anything'), [{ mapping: 1, repo: 'team/lib-x', tag: 'anything' }]);
  assert.deepEqual(on('team/other', 'v1'), []);
  assert.deepEqual(on('team/pinned', '1.0'), [{ mapping: 3, repo: 'team/pinned', tag: '1.0' }]);
  assert.deepEqual(on('team/app', ''), [], 'no tag: a push by digest');
});

test('the host must be the source registry (case, default ports folded); no host matches any', () => {
  assert.equal(matchPush(task, { host: 'REG.example.com:5000', repo: 'team/app', tag: 'v2' }).length, 1);
  assert.equal(matchPush(task, { host: 'other:5000', repo: 'team/app', tag: 'v2' }).length, 0);
  assert.equal(matchPush(task, { host: undefined, repo: 'team/app', tag: 'v2' }).length, 1);
  const https = taskOf(`
tasks:
  - name: h
    source: { registry: reg.example.com }
    target: { registry: m }
    mappings: [{ from: team/app }]
`);
  assert.equal(matchPush(https, { host: 'reg.example.com:443', repo: 'team/app', tag: 'v2' }).length, 1);
});

test("Docker Hub: any of its names, and official images under 'library/'", () => {
  const hub = taskOf(`
tasks:
  - name: hub
    source: { registry: registry.hub.docker.com }
    target: { registry: m }
    mappings: [{ from: library/alpine }, { from: nginx }]
`);
  assert.deepEqual(matchPush(hub, { host: 'docker.io', repo: 'alpine', tag: '3' }), [{ mapping: 0, repo: 'library/alpine', tag: '3' }]);
  assert.deepEqual(matchPush(hub, { host: 'docker.io', repo: 'library/nginx', tag: '1' }), [{ mapping: 1, repo: 'nginx', tag: '1' }]);
});

test('a task writing to its source registry skips a push of its own output', () => {
  const loop = taskOf(`
tasks:
  - name: loop
    webhook: true
    source: { registry: reg:5000 }
    target: { registry: REG:5000 }
    mappings:
      - { from: 'regex:team/.*', to: team/mirror }
      - { from: team/app, to: team/app-copy }
      - { from: 'regex:team/.*', to: other }
`);
  const at = (repo: string) => selectPush(loop, { host: 'reg:5000', repo, tag: 'v1' });
  assert.deepEqual(at('team/app'), {
    images: [{ mapping: 0, repo: 'team/app', tag: 'v1' }, { mapping: 1, repo: 'team/app', tag: 'v1' }, { mapping: 2, repo: 'team/app', tag: 'v1' }],
    ownTargets: [],
  });
  assert.deepEqual(at('team/mirror/team/app'), {
    images: [{ mapping: 2, repo: 'team/mirror/team/app', tag: 'v1' }], // another mapping's output is its source (no loop: other/ is not selected)
    ownTargets: [{ mapping: 0, repo: 'team/mirror/team/app', source: 'team/app' }],
  });
  // mapping 1's output is a source of mappings 0 and 2 (nested once, no further: the write-set
  // guard in service/ stops even that when dregsy wrote it)
  assert.deepEqual(at('team/app-copy'), { images: [{ mapping: 0, repo: 'team/app-copy', tag: 'v1' }, { mapping: 2, repo: 'team/app-copy', tag: 'v1' }], ownTargets: [] });
  const onto = taskOf(`
tasks:
  - name: onto-itself
    webhook: true
    source: { registry: reg:5000 }
    target: { registry: reg:5000 }
    mappings: [{ from: team/app }]
`);
  assert.deepEqual(selectPush(onto, { host: 'reg:5000', repo: 'team/app', tag: 'v1' }), { images: [], ownTargets: [{ mapping: 0, repo: 'team/app', source: 'team/app' }] });
  // no registry named: it may be the target's
  assert.deepEqual(selectPush(loop, { host: undefined, repo: 'team/mirror/team/app', tag: 'v1' }).ownTargets.length, 1);
  // the same mappings to another registry: a push there is a source like any other
  const elsewhere = taskOf(`
tasks:
  - name: t
    webhook: true
    source: { registry: reg:5000 }
    target: { registry: mirror:5000 }
    mappings: [{ from: 'regex:team/.*', to: team/mirror }]
`);
  assert.deepEqual(selectPush(elsewhere, { host: 'reg:5000', repo: 'team/mirror/team/app', tag: 'v1' }), {
    images: [{ mapping: 0, repo: 'team/mirror/team/app', tag: 'v1' }],
    ownTargets: [],
  });
});

test('one of several targets on the source registry is enough; a denied source is no source', () => {
  const loop = taskOf(`
tasks:
  - name: loop
    webhook: true
    source: { registry: reg:5000 }
    targets: [{ registry: mirror:5000 }, { registry: reg:5000 }]
    mappings:
      - { from: 'regex:team/.*', to: team/mirror, deny: { repos: [team/app] } }
`);
  assert.equal(selectPush(loop, { host: 'reg:5000', repo: 'team/mirror/team/lib', tag: 'v1' }).ownTargets.length, 1);
  assert.deepEqual(selectPush(loop, { host: 'reg:5000', repo: 'team/mirror/team/app', tag: 'v1' }).images.length, 1, 'team/app is never copied, so this is not its copy');
});

test('routing: events only skipped as own output are counted apart from those no task selects', () => {
  const tasks = [
    taskOf(`
tasks:
  - name: loop
    webhook: true
    source: { registry: reg:5000 }
    target: { registry: reg:5000 }
    mappings: [{ from: 'regex:team/.*', to: team/mirror }]
`),
  ];
  const r = routePush(tasks, [
    { host: 'reg:5000', repo: 'team/app', tag: '1' },
    { host: 'reg:5000', repo: 'team/mirror/team/app', tag: '1' },
    { host: 'reg:5000', repo: 'nobody/app', tag: '1' },
  ]);
  assert.deepEqual([...r.byTask], [['loop', [{ mapping: 0, repo: 'team/app', tag: '1' }]]]);
  assert.equal(r.unmatched, 1);
  assert.equal(r.ownTargetOnly, 1);
  assert.deepEqual(r.ownTargets, [{ task: 'loop', mapping: 0, repo: 'team/mirror/team/app', source: 'team/app' }]);
});
