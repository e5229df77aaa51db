/** A periodic task keeps the process running; SIGTERM ends it cleanly with the right exit code. */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, waitForOutput, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-daemon-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0']);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`a periodic task runs at start, keeps running, and ${signal} ends the process with 0`, async () => {
    const file = await writeConfig(
      dir,
      `
tasks:
  - name: periodic
    interval: 30
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: p/app }]
  - name: once
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: o/app }]
`,
      `daemon-${signal}.yaml`,
    );
    let stoppedAt = 0;
    const r = await runDregsy([`-config=${file}`], {
      env: { LOG_LEVEL: 'debug' },
      onSpawn: async (child, out) => {
        // Both tasks have run, and the scheduler, idle, decided to wait for the periodic task's
        // next run instead of ending: the process must still be alive.
        await waitForOutput(out.stdout, /\[once\] task run finished/, 30_000);
        await waitForOutput(out.stdout, /\[periodic\] task run finished/, 30_000);
        await waitForOutput(out.stdout, /every run is done; waiting for the next scheduled run/, 30_000);
        assert.equal(child.exitCode, null, 'still running while a periodic task is scheduled');
        stoppedAt = Date.now();
        child.kill(signal);
      },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(stoppedAt > 0);
    assert.ok(Date.now() - stoppedAt < 5_000, 'ends promptly when idle');
    assert.match(r.stdout, /shutting down/);
    assert.deepEqual(await listTags(target, 'p/app'), ['1.0']);
    assert.deepEqual(await listTags(target, 'o/app'), ['1.0']);
  });
}
