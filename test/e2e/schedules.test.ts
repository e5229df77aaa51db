/**
 * Cron schedules with a seconds field, `disable`, and `run-on-start` both ways, through the CLI.
 * (Schedules far apart, and time zones, are tested on an injected clock in src/schedule/.)
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { startDregsy, waitUntil, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-schedules-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0']);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const task = (name: string, extra: string, to: string) => `
  - name: ${name}
${extra}
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: ${to} }]`;

test('a seconds-field schedule runs at its times; disable never runs; run-on-start both ways', async () => {
  const file = await writeConfig(
    dir,
    `relay: native
tasks:${task('every-2s', '    schedule: "*/2 * * * * *"\n    run-on-start: false', 's/every')}${task('off', '    disable: true\n    interval: 30', 's/off')}${task(
      'at-start',
      '    schedule: "0 0 1 1 *"',
      's/start',
    )}${task('not-at-start', '    schedule: "CRON_TZ=Europe/Berlin 0 0 1 1 *"\n    run-on-start: false', 's/nostart')}
`,
  );
  const d = startDregsy([`-config=${file}`]);
  try {
    await waitUntil(() => d.count(/\[every-2s\] task run finished/) >= 3, 30_000, 'three scheduled runs');
  } finally {
    await d.stop();
  }
  const out = (await d.result).stdout;
  assert.equal((await d.result).code, 0, out);
  // the next run of every task is logged, at the schedule's times
  const next = [...out.matchAll(/\[every-2s\] next run at (\S+) \(schedule '\*\/2 \* \* \* \* \*'\)/g)].map((m) => Date.parse(m[1]!));
  assert.ok(next.length >= 3);
  for (const t of next) assert.equal(t % 2_000, 0, `${new Date(t).toISOString()} is on an even second`);
  const started = [...out.matchAll(/^(\S+) INFO {2}\[every-2s\] task run started/gm)].map((m) => Date.parse(m[1]!));
  assert.ok(started.length >= 3);
  assert.ok(started[0]! >= next[0]!, 'not before the first scheduled time (run-on-start: false)');
  // each run in its own two-second slot (a loaded machine may start one late, never twice in a slot)
  const slots = started.map((t) => Math.floor(t / 2_000));
  for (let i = 1; i < slots.length; i++) assert.ok(slots[i]! > slots[i - 1]!, `runs in distinct schedule slots: ${started.map((t) => new Date(t).toISOString()).join(', ')}`);
  assert.match(out, /\[at-start\] next run at \d{4}-01-01T00:00:00\.000Z \(schedule '0 0 1 1 \*'\)/);
  assert.match(out, /\[not-at-start\] next run at \d{4}-12-31T23:00:00\.000Z \(schedule '0 0 1 1 \*' \(Europe\/Berlin\)\)/);
  assert.equal((out.match(/\[at-start\] task run started/g) ?? []).length, 1, 'run-on-start (default) ran it once');
  assert.doesNotMatch(out, /\[not-at-start\] task run started/);
  assert.doesNotMatch(out, /\[off\] (task run|next run)/);
  assert.deepEqual(await listTags(target, 's/off'), []);
  assert.deepEqual(await listTags(target, 's/nostart'), []);
  assert.deepEqual(await listTags(target, 's/every'), ['1.0']);
});
