/**
 * Property: the built CLI survives any config. Valid configs broken the ways
 * test/support/config-mutations.ts describes, sometimes put where a file is expected as
 * something that is no file (a FIFO, a device, more than 4 MiB), the config or its auth-file,
 * are run with `check` against registries that do not exist (closed ports on loopback):
 * every case ends by itself with exit 0, 1 or 2 within a time bound, and never prints a stack
 * trace or raw control bytes. Seeded; a failing case is printed with the bytes of its file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { mutatedConfig } from '../support/config-mutations.js';
import { makeTempDir } from '../support/index.js';
import { runDregsy } from './dregsy-cli.js';

/** Far above a normal run (under a second), far below "hangs". */
const BOUND_MS = 30_000;
const RUNS = 14;
const SECRET = `${Buffer.from('user:pw').toString('base64')}\n`;

/** What stands at the config's path, or at the auth-file's (`secret.txt`) path. */
type Placement = 'file' | 'config-fifo' | 'config-device' | 'config-huge' | 'auth-fifo' | 'auth-device';
const placement: fc.Arbitrary<Placement> = fc.oneof(
  { arbitrary: fc.constant('file' as const), weight: 12 },
  { arbitrary: fc.constantFrom('config-fifo' as const, 'config-device' as const, 'config-huge' as const, 'auth-fifo' as const, 'auth-device' as const), weight: 5 },
);

let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-mutations-');
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function place(config: string, secret: string, bytes: Buffer, where: Placement): Promise<void> {
  await rm(config, { force: true });
  await rm(secret, { force: true });
  if (where === 'config-fifo') execFileSync('mkfifo', [config]);
  else if (where === 'config-device') await symlink('/dev/zero', config);
  else if (where === 'config-huge') await writeFile(config, Buffer.concat([bytes, Buffer.from(`\n#${'x'.repeat(5 * 1024 * 1024)}\n`)]));
  else await writeFile(config, bytes);
  if (where === 'auth-fifo') execFileSync('mkfifo', [secret]);
  else if (where === 'auth-device') await symlink('/dev/zero', secret);
  else await writeFile(secret, SECRET);
}

test(`property: ${RUNS} mutated configs, each exits 0, 1 or 2 in time, without a stack trace`, async () => {
  const config = join(dir, 'config.yaml');
  const secret = join(dir, 'secret.txt');
  const codes = new Map<number | null, number>();
  await fc.assert(
    fc.asyncProperty(mutatedConfig, placement, async (m, where) => {
      await place(config, secret, m.bytes, where);
      const r = await runDregsy(['check', `-config=${config}`], {
        timeoutMs: BOUND_MS,
        env: {
          HOME_FOR_TEST: dir,
          DOCKER_CONFIG: join(dir, 'docker'),
          DREGSY_DOCKERHUB_API_URL: 'http://127.0.0.1:1',
          DREGSY_DOCKERHUB_INDEX_URL: 'http://127.0.0.1:1',
          HTTP_PROXY: '',
          HTTPS_PROXY: '',
        },
      });
      const out = `${r.stdout}${r.stderr}`;
      const context = `${where}, config (base64): ${m.bytes.toString('base64')}\n${out.slice(0, 2000)}`;
      assert.equal(r.signal, null, `did not end within ${BOUND_MS} ms\n${context}`);
      assert.ok(r.code === 0 || r.code === 1 || r.code === 2, `exit ${r.code}\n${context}`);
      assert.doesNotMatch(out, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace\n${context}`);
      assert.doesNotMatch(out, /[\x00-\x08\x0e-\x1f\x7f]/, `raw control bytes\n${context}`);
      if (where.startsWith('config-')) assert.equal(r.code, 2, `a config that is no file is a config error\n${context}`);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    }),
    { seed: 20_240_602, numRuns: RUNS, endOnFailure: true },
  );
  // the cases must reach past the config check too, or half of the program goes untried
  assert.ok((codes.get(2) ?? 0) > 0 && (codes.get(1) ?? 0) + (codes.get(0) ?? 0) > 0, `exit codes seen: ${JSON.stringify([...codes])}`);
});
