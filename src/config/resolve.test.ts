import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from './load.js';
import { resolveSettings } from './resolve.js';

const settingsOf = (text: string) => resolveSettings(parseConfigText(text, 'c.yaml'));
const TASK = 'tasks:\n  - name: t\n    source: { registry: a }\n    target: { registry: b }\n';

test('defaults', () => {
  const s = settingsOf(TASK);
  assert.equal(s.relay, undefined);
  assert.deepEqual(s.skopeo, { binary: 'skopeo', certsDir: '/etc/skopeo/certs.d' });
  assert.deepEqual(s.docker, { host: 'unix:///var/run/docker.sock', apiVersion: '1.41' });
  assert.deepEqual(s.lister, { maxItems: 100, cacheMs: 3_600_000 });
  assert.equal(s.watch, false);
  assert.equal(s.parallelCopies, 2);
  assert.equal(s.parallelChecks, 16);
  assert.deepEqual(s.tasks, [{ name: 't', intervalSeconds: 0, source: { authRefreshMs: undefined }, target: { authRefreshMs: undefined } }]);
});

test('explicit values', () => {
  const s = settingsOf(`relay: skopeo
skopeo: { binary: /usr/local/bin/skopeo, certs-dir: /certs }
lister: { maxItems: 250, cacheDuration: 90m }
watch: true
${TASK}    interval: 300
`);
  assert.equal(s.relay, 'skopeo');
  assert.deepEqual(s.skopeo, { binary: '/usr/local/bin/skopeo', certsDir: '/certs' });
  assert.deepEqual(s.lister, { maxItems: 250, cacheMs: 90 * 60_000 });
  assert.equal(s.watch, true);
  assert.equal(s.tasks[0]?.intervalSeconds, 300);
});

test('lister: maxItems 0 keeps the default, negative is unlimited; a negative cacheDuration turns caching off', () => {
  assert.equal(settingsOf(`lister: { maxItems: 0 }\n${TASK}`).lister.maxItems, 100);
  assert.equal(settingsOf(`lister: { maxItems: -1 }\n${TASK}`).lister.maxItems, Infinity);
  assert.equal(settingsOf(`lister: { cacheDuration: -1 }\n${TASK}`).lister.cacheMs, 0);
  assert.equal(settingsOf(`lister: { cacheDuration: -1h }\n${TASK}`).lister.cacheMs, 0);
  assert.equal(settingsOf(`lister: { cacheDuration: 0 }\n${TASK}`).lister.cacheMs, 3_600_000);
});

test('docker settings: the docker section wins, else the deprecated top-level keys fill it in', () => {
  assert.deepEqual(settingsOf(`api-version: "1.40"\n${TASK}`).docker, { host: 'unix:///var/run/docker.sock', apiVersion: '1.40' });
  assert.deepEqual(settingsOf(`api-version: "1.40"\ndocker: { dockerhost: tcp://h:2375 }\n${TASK}`).docker, {
    host: 'tcp://h:2375',
    apiVersion: '1.41',
  });
});

test('per-task values are looked up by the config objects the CLI holds', () => {
  const loaded = parseConfigText(`${TASK}    interval: 45\n`, 'c.yaml');
  const s = resolveSettings(loaded);
  const task = loaded.config.tasks?.[0];
  assert.ok(task);
  assert.equal(s.intervalSeconds(task), 45);
  assert.equal(s.authRefreshMs(task.source), undefined);
});

test('retry: defaults, explicit values, and out-of-range values as config errors', () => {
  assert.deepEqual(settingsOf(TASK).retry, { attempts: 8, baseDelayMs: 500, maxDelayMs: 30_000, budget: 100 });
  assert.deepEqual(settingsOf(`retry: { attempts: 3, max-delay: 1m30s, budget: 0 }\n${TASK}`).retry, { attempts: 3, baseDelayMs: 500, maxDelayMs: 90_000, budget: 0 });
  assert.throws(
    () => parseConfigText(`retry: { attempts: 0, max-delay: -1s, budget: -5 }\n${TASK}`, 'c.yaml'),
    (e: Error) => /c\.yaml:1: retry\.attempts: must be at least 1/.test(e.message) && /retry\.max-delay: must be a positive duration/.test(e.message) && /retry\.budget: must be 0 or more/.test(e.message),
  );
});
