/**
 * A reload keeps a good config: a broken config written over a good one is refused (every
 * problem logged) and the good one keeps running; a fixed config is picked up; a task whose
 * definition did not change is not run again, a changed one is, a new one starts.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { startDregsy, waitForIdleAfter, waitForOutput, waitUntil, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-reload-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0']);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const task = (name: string, to: string, extra = '    interval: 3600') => `
  - name: ${name}
${extra}
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: ${to} }]`;

test('a broken config is refused and the good one keeps running; a fixed one is picked up; unchanged tasks are not re-run', async () => {
  const file = await writeConfig(dir, `relay: native\ntasks:${task('keep', 'k/app')}${task('edit', 'e1/app')}${task('drop', 'd/app')}\n`);
  const d = startDregsy([`-config=${file}`], { env: { LOG_LEVEL: 'debug' } });
  const runs = (t: string) => d.count(new RegExp(`\\[${t}\\] task run started`));
  try {
    await waitUntil(() => d.count(/task run finished/) === 3, 30_000, 'the three start runs');

    // broken: two problems, both reported; nothing changes
    await writeFile(file, `relay: native\ntasks:${task('keep', 'k/app', '    interval: 5')}${task('edit', 'e2/app', '    interval: 3600\n    schedule: "nope"')}\n`);
    d.child.kill('SIGHUP');
    await waitForOutput(d.stdout, /keeping the config loaded at \S+: the new one has 3 problem\(s\)/, 20_000);
    assert.match(d.stdout(), /config refused: \S+:\d+: tasks\[0\]\.interval: minimum task interval is 30 seconds/);
    assert.match(d.stdout(), /config refused: \S+:\d+: tasks\[1\]\.schedule: invalid schedule 'nope'/);
    assert.equal(d.child.exitCode, null, 'still running');

    // fixed: keep unchanged, edit changed, drop removed, new added
    await writeFile(file, `relay: native\ntasks:${task('keep', 'k/app')}${task('edit', 'e2/app')}${task('new', 'n/app', '    run-on-start: true')}\n`);
    d.child.kill('SIGHUP');
    await waitForOutput(d.stdout, /config reloaded \(new: new; changed: edit; removed: drop; unchanged: keep\)/, 20_000);
    await waitUntil(() => d.count(/task run finished/) === 5, 30_000, 'the changed and the new task to run');
    await waitForIdleAfter(d.stdout, /task run finished/, 20_000);
    assert.equal(runs('keep'), 1, 'the unchanged task is not run again');
    assert.equal(runs('edit'), 2);
    assert.equal(runs('new'), 1);
    assert.equal(runs('drop'), 1);
    assert.deepEqual(await listTags(target, 'e2/app'), ['1.0']);
    assert.deepEqual(await listTags(target, 'n/app'), ['1.0']);
    assert.equal(d.child.exitCode, null, 'still running: keep and edit are periodic');
  } finally {
    await d.stop();
  }
  const r = await d.result;
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('a reload that removes every periodic task lets dregsy end, as a one-off config does', async () => {
  const file = await writeConfig(dir, `relay: native\ntasks:${task('p', 'p/app')}\n`, 'ending.yaml');
  const d = startDregsy([`-config=${file}`]);
  await waitForOutput(d.stdout, /\[p\] task run finished/, 30_000);
  await writeFile(file, `relay: native\ntasks:${task('once', 'o/app', '')}\n`);
  d.child.kill('SIGHUP');
  const r = await d.result;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[once\] task run finished/);
  assert.deepEqual(await listTags(target, 'o/app'), ['1.0']);
});
