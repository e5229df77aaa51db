/**
 * `watch: true` and SIGHUP reload the config as it is now (dregsy restarts): a changed config
 * file (written in place, or swapped the way a Kubernetes ConfigMap mount does) is picked up
 * without a restart of the process; a touch that changes nothing is not.
 */
import assert from 'node:assert/strict';
import { mkdir, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, waitForOutput, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-watch-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0']);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = (to: string, watch: boolean) => `
watch: ${watch}
tasks:
  - name: periodic
    interval: 3600
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: ${to} }]
`;

test('watch: a changed config file is reloaded; a touch is not', async () => {
  const file = await writeConfig(dir, config('w1/app', true), 'watch.yaml');
  const r = await runDregsy([`-config=${file}`], {
    env: { LOG_LEVEL: 'debug' },
    onSpawn: async (child, out) => {
      await waitForOutput(out.stdout, /task run finished/, 20_000);
      const past = new Date(Date.now() - 60_000);
      await utimes(file, past, past); // same content: no reload
      // The watcher looked at the file after the touch and decided: nothing changed.
      await waitForOutput(out.stdout, /config file .*watch\.yaml: content unchanged, no reload/, 20_000);
      assert.doesNotMatch(out.stdout(), /reloading/);
      await writeFile(file, config('w2/app', true));
      await waitForOutput(out.stdout, /task run finished/, 20_000, 2);
      child.kill('SIGTERM');
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /reloading the config \(config file .*watch\.yaml changed\)/);
  assert.deepEqual(await listTags(target, 'w1/app'), ['1.0']);
  assert.deepEqual(await listTags(target, 'w2/app'), ['1.0'], 'the new config ran');
});

test('watch: a ConfigMap-style symlink swap counts as a change', async () => {
  const mount = join(dir, 'configmap');
  await mkdir(join(mount, '..v1'), { recursive: true });
  await writeFile(join(mount, '..v1', 'config.yaml'), config('k1/app', true));
  await symlink('..v1', join(mount, '..data'));
  await symlink('..data/config.yaml', join(mount, 'config.yaml'));
  const r = await runDregsy([`-config=${join(mount, 'config.yaml')}`], {
    onSpawn: async (child, out) => {
      await waitForOutput(out.stdout, /task run finished/, 20_000);
      // what kubelet does: write a new version folder, then swap ..data atomically
      await mkdir(join(mount, '..v2'));
      await writeFile(join(mount, '..v2', 'config.yaml'), config('k2/app', true));
      await symlink('..v2', join(mount, '..data_tmp'));
      await rename(join(mount, '..data_tmp'), join(mount, '..data'));
      await waitForOutput(out.stdout, /task run finished/, 20_000, 2);
      child.kill('SIGTERM');
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(target, 'k2/app'), ['1.0']);
});

test('SIGHUP reloads the current config, without watch', async () => {
  const file = await writeConfig(dir, config('h1/app', false), 'hup.yaml');
  const r = await runDregsy([`-config=${file}`], {
    onSpawn: async (child, out) => {
      await waitForOutput(out.stdout, /task run finished/, 20_000);
      await writeFile(file, config('h2/app', false));
      child.kill('SIGHUP');
      await waitForOutput(out.stdout, /task run finished/, 20_000, 2);
      child.kill('SIGTERM');
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /reloading the config \(SIGHUP\)/);
  assert.deepEqual(await listTags(target, 'h2/app'), ['1.0']);
});
