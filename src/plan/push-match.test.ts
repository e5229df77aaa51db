import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../config/load.js';
import { resolveTasks } from '../model/resolve-tasks.js';
import { matchPush } from './push-match.js';

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
