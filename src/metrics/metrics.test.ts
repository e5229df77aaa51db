import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMetrics } from '../../test/support/prometheus.js';
import { silentLogger } from '../log/logger.js';
import { RegistryHealth, type RegistryCounters } from '../registry/health.js';
import { emptyCounts, type ImageResult } from '../sync/image-result.js';
import type { TaskRunResult } from '../sync/run-task.js';
import { Metrics } from './metrics.js';
import { escapeLabel } from './task-families.js';

const image = (action: ImageResult['action']): ImageResult => ({ task: 't', source: 's', target: 't', platform: 'default', action, durationMs: 1 });

function result(task: string, actions: Array<ImageResult['action']>, durationMs: number): TaskRunResult {
  const counts = emptyCounts();
  for (const a of actions) {
    if (a === 'copied') counts.copied++;
    else if (a === 'skipped') counts.skipped++;
    else counts.failed++;
  }
  return { task, ok: counts.failed === 0, scope: 'full', startedAt: new Date(0).toISOString(), durationMs, counts, images: actions.map(image) };
}

function metrics(registries: () => readonly RegistryCounters[] = () => [], states: Array<{ name: string; state: 'idle' | 'paused' | 'running'; paused: boolean }> = []) {
  return new Metrics({ version: '1.2.3', tasks: () => states, registries, processMetrics: false });
}

test('per task: images by result, runs by outcome, duration, last success; every task from the start at zero', async () => {
  const m = metrics(undefined, [{ name: 'quiet "one"', state: 'paused', paused: true }]);
  m.tasksChanged(['mirror', 'broken', 'quiet "one"'], 1_000);
  m.runEnded(result('mirror', ['copied', 'copied', 'copied', 'skipped', 'skipped'], 2_500), 1_700_000_000_000);
  m.runEnded(result('broken', ['failed'], 100), 1_700_000_001_000);
  const s = parseMetrics(await m.text());
  assert.equal(s.type('dregsy_images_total'), 'COUNTER');
  assert.equal(s.value('dregsy_images_total', { task: 'mirror', result: 'copied' }), 3);
  assert.equal(s.value('dregsy_images_total', { task: 'mirror', result: 'skipped' }), 2);
  assert.equal(s.value('dregsy_images_total', { task: 'mirror', result: 'failed' }), 0);
  assert.equal(s.value('dregsy_images_total', { task: 'broken', result: 'failed' }), 1);
  assert.equal(s.value('dregsy_images_total', { task: 'quiet "one"', result: 'copied' }), 0, 'a label with a quote survives the round trip');
  assert.equal(s.value('dregsy_task_runs_total', { task: 'mirror', outcome: 'ok' }), 1);
  assert.equal(s.value('dregsy_task_runs_total', { task: 'broken', outcome: 'failed' }), 1);
  assert.deepEqual(s.sumCount('dregsy_task_run_duration_seconds', { task: 'mirror' }), { sum: 2.5, count: 1 });
  assert.equal(s.value('dregsy_task_last_success_timestamp_seconds', { task: 'mirror' }), 1_700_000_000);
  assert.equal(s.value('dregsy_task_last_success_timestamp_seconds', { task: 'broken' }), undefined, 'never succeeded: absent');
  assert.equal(s.value('dregsy_task_last_run_success', { task: 'broken' }), 0);
  assert.equal(s.value('dregsy_task_paused', { task: 'quiet "one"' }), 1);
  assert.equal(s.value('dregsy_tasks', { state: 'paused' }), 1);
  assert.equal(s.value('dregsy_build_info', { version: '1.2.3' }), 1);
  assert.ok(s.names.every((n) => n.startsWith('dregsy_')), s.names.join(' '));
  m.tasksChanged(['mirror'], 2_000);
  const after = parseMetrics(await m.text());
  assert.deepEqual(after.labels('dregsy_task_paused').map((l) => l.task), ['mirror'], 'removed tasks go');
  assert.equal(after.value('dregsy_images_total', { task: 'mirror', result: 'copied' }), 3, 'a kept task keeps counting');
});

test('webhook events, folding and reloads', async () => {
  const m = metrics();
  m.answered('distribution', 202);
  m.answered('distribution', 401);
  m.events('distribution', { received: 9, notAPush: 1, repeated: 1, noTask: 2, ownWrite: 3, ownTarget: 1 });
  m.requested('t', 'webhook', true);
  m.requested('t', 'webhook', false);
  m.requested('t', 'interval', true);
  m.tasksChanged([], 5_000);
  m.reloaded(false, 6_000);
  const s = parseMetrics(await m.text());
  assert.equal(s.value('dregsy_webhook_requests_total', { endpoint: 'distribution', code: '401' }), 1);
  assert.equal(s.value('dregsy_webhook_events_received_total', { endpoint: 'distribution' }), 9);
  assert.equal(s.value('dregsy_webhook_events_ignored_total', { endpoint: 'distribution', reason: 'no-task' }), 2);
  assert.equal(s.value('dregsy_webhook_events_ignored_total', { endpoint: 'distribution', reason: 'repeated' }), 1);
  assert.equal(s.value('dregsy_webhook_events_ignored_total', { endpoint: 'distribution', reason: 'own-write' }), 3);
  assert.equal(s.value('dregsy_webhook_events_ignored_total', { endpoint: 'distribution', reason: 'own-target' }), 1);
  assert.equal(s.value('dregsy_webhook_events_folded_total', { kind: 'push' }), 1);
  assert.equal(s.value('dregsy_config_reloads_total', { result: 'failure' }), 1);
  assert.equal(s.value('dregsy_config_reloads_total', { result: 'success' }), 0);
  assert.equal(s.value('dregsy_config_last_reload_successful'), 0);
  assert.equal(s.value('dregsy_config_last_reload_success_timestamp_seconds'), 5);
  m.reloaded(true, 7_000);
  const t = parseMetrics(await m.text());
  assert.equal(t.value('dregsy_config_reloads_total', { result: 'success' }), 1);
});

test("registry requests, retries and slowdowns: the registry client's RegistryHealth, read at scrape time", async () => {
  const health = new RegistryHealth({ logger: silentLogger(), budget: 2, maxDelayMs: 30_000 });
  const m = metrics(() => health.snapshot());
  assert.deepEqual(parseMetrics(await m.text()).labels('dregsy_registry_requests_total'), [], 'no registry before the first request');
  for (const status of [200, 200, 404]) health.record('r:5000', { status, headers: {} });
  health.record('r:5000', { error: new Error('ECONNRESET') });
  health.record('r:5000', { status: 429, headers: { 'retry-after': '10' } });
  assert.equal(health.spendRetry('r:5000'), true);
  assert.equal(health.spendRetry('r:5000'), true);
  assert.equal(health.spendRetry('r:5000'), false, 'a budget of 2: the third is refused');
  const s = parseMetrics(await m.text());
  assert.equal(s.value('dregsy_registry_requests_total', { registry: 'r:5000', status_class: '2xx' }), 2);
  assert.equal(s.value('dregsy_registry_requests_total', { registry: 'r:5000', status_class: '4xx' }), 2, '404 and 429');
  assert.equal(s.value('dregsy_registry_requests_total', { registry: 'r:5000', status_class: 'network' }), 1);
  assert.equal(s.value('dregsy_registry_retries_total', { registry: 'r:5000' }), 2);
  assert.equal(s.value('dregsy_registry_retries_refused_total', { registry: 'r:5000' }), 1);
  assert.equal(s.value('dregsy_registry_slowdown', { registry: 'r:5000', kind: 'rate-limited' }), 1);
  assert.equal(s.value('dregsy_registry_slowdown', { registry: 'r:5000', kind: 'none' }), 0);
  health.record('r:5000', { status: 200, headers: {} });
  const t = parseMetrics(await m.text());
  assert.equal(t.value('dregsy_registry_requests_total', { registry: 'r:5000', status_class: '2xx' }), 3, 'read again at the next scrape');
});

test('process metrics carry the dregsy_ prefix too', async () => {
  const m = new Metrics({ version: 'x', tasks: () => [], registries: () => [] });
  const s = parseMetrics(await m.text());
  assert.ok(s.value('dregsy_process_resident_memory_bytes')! > 0);
  assert.ok(s.names.every((n) => n.startsWith('dregsy_')));
});

test("process metrics 'when-served' start only once the page can be scraped", async () => {
  const m = new Metrics({ version: 'x', tasks: () => [], registries: () => [], processMetrics: 'when-served' });
  assert.equal(parseMetrics(await m.text()).value('dregsy_process_resident_memory_bytes'), undefined);
  m.served();
  m.served();
  assert.ok(parseMetrics(await m.text()).value('dregsy_process_resident_memory_bytes')! > 0);
});

test('label values are escaped as the text format wants', () => {
  assert.equal(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

test('many tasks (kept in blocks): each family once, every task in config order, a change shows on the next scrape and only there', async () => {
  const names = Array.from({ length: 150 }, (_, i) => `t${String(i).padStart(3, '0')}`);
  const m = metrics();
  m.tasksChanged(names, 1_000);
  for (const n of names) m.runEnded(result(n, ['skipped'], 10), 1_700_000_000_000);
  const first = await m.text();
  const s = parseMetrics(first);
  assert.equal(s.names.filter((n) => n === 'dregsy_images_total').length, 1, 'one family, not one per block');
  assert.deepEqual([...new Set(s.labels('dregsy_images_total').map((l) => l.task))], names);
  assert.equal(first, await m.text(), 'nothing changed: the same page');
  m.runEnded(result('t100', ['copied', 'copied'], 20), 1_700_000_005_000);
  const t = parseMetrics(await m.text());
  assert.equal(t.value('dregsy_images_total', { task: 't100', result: 'copied' }), 2);
  assert.equal(t.value('dregsy_task_last_success_timestamp_seconds', { task: 't100' }), 1_700_000_005);
  assert.equal(t.value('dregsy_images_total', { task: 't099', result: 'copied' }), 0);
  assert.equal(t.value('dregsy_task_runs_total', { task: 't149', outcome: 'ok' }), 1);
  m.tasksChanged(['new', ...names.slice(1)], 2_000); // a reload: one gone, one new in front
  const r = parseMetrics(await m.text());
  assert.deepEqual([...new Set(r.labels('dregsy_task_paused').map((l) => l.task))], ['new', ...names.slice(1)]);
  assert.equal(r.value('dregsy_task_runs_total', { task: 't100', outcome: 'ok' }), 2, 'kept tasks keep their counts');
});
