/**
 * What the process holds before it does anything: a daemon whose only task waits for its
 * interval. The bound is generous (the figures are `make bench`'s, section scale: ~60 MB here,
 * of which Node itself is ~40 MB); it fails when the start-up loads what a run does not need
 * again (before: ~80 MB, with undici's and zod's unused parts, 82 MB for `--version` alone).
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { makeTempDir } from '../support/index.js';
import { runDregsy, waitForOutput, writeConfig } from './dregsy-cli.js';

const IDLE_BOUND_MB = 72;

let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-memory-');
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(`an idle daemon holds less than ${IDLE_BOUND_MB} MB`, { timeout: 60_000 }, async () => {
  const file = await writeConfig(
    dir,
    `relay: native
tasks:
  - name: waits
    interval: 3600
    run-on-start: false
    source: { registry: 127.0.0.1:1 }
    target: { registry: 127.0.0.1:2 }
    mappings: [{ from: a/b }]
`,
  );
  let peakMb = 0;
  const r = await runDregsy([`-config=${file}`], {
    onSpawn: async (child, out) => {
      await waitForOutput(out.stdout, /next run at/, 30_000);
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      peakMb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
      child.kill('SIGTERM');
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(peakMb > 0, 'VmHWM read');
  assert.ok(peakMb < IDLE_BOUND_MB, `idle peak ${peakMb.toFixed(1)} MB, bound ${IDLE_BOUND_MB} MB`);
});
