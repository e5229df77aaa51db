/**
 * Probes through the built CLI: `/readyz` is 503 until the relay is prepared (skopeo's
 * `--version` is held by a wrapper until the test opens a gate), `/healthz` answers while a long
 * copy runs (the wrapper holds `skopeo copy` the same way, then runs the real skopeo). And the
 * guard: an API beyond loopback without a token is refused (exit 2) unless asked for.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { startDregsy, waitForOutput, waitUntil, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-ops-probes-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0']);
});

after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A skopeo that waits for `ready` before answering `--version`, and for `copy-go` before copying. */
async function gatedSkopeo(): Promise<string> {
  const script = join(dir, 'skopeo-gated');
  await writeFile(
    script,
    `#!/bin/sh
gate() { while [ ! -e "${dir}/$1" ]; do sleep 0.05; done; }
case "$1" in
  --version) gate ready ;;
  *) for a in "$@"; do [ "$a" = copy ] && { touch "${dir}/copying"; gate copy-go; break; }; done ;;
esac
exec skopeo "$@"
`,
  );
  await chmod(script, 0o755);
  return script;
}

async function stateOf(base: string, task: string): Promise<string> {
  const body = (await fetch(`${base}/api/v1/tasks/${task}`).then((r) => r.json())) as { state: string };
  return body.state;
}

async function probe(base: string, path: string): Promise<{ status: number; body: unknown; ms: number }> {
  const started = Date.now();
  const r = await fetch(`${base}${path}`);
  return { status: r.status, body: await r.json(), ms: Date.now() - started };
}

test('/readyz is not ready until the relay is prepared; /healthz answers while a long copy runs', async () => {
  const skopeo = await gatedSkopeo();
  const file = await writeConfig(
    dir,
    `listen: 127.0.0.1:0
relay: skopeo
skopeo: { binary: ${skopeo} }
tasks:
  - name: long
    interval: 3600
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: mirror/app }]
`,
  );
  const d = startDregsy([`-config=${file}`], { env: { DREGSY_API_TOKEN: undefined, DREGSY_API_TOKEN_FILE: undefined } });
  try {
    await waitForOutput(d.stdout, /listening on (http:\/\/\S+)/, 30_000);
    const base = /listening on (http:\/\/\S+)/.exec(d.stdout())![1]!;
    const notReady = await probe(base, '/readyz');
    assert.equal(notReady.status, 503);
    assert.deepEqual(notReady.body, { status: 'not ready', reasons: ['loading the config and preparing the relay'] });
    assert.equal((await probe(base, '/healthz')).status, 200, 'alive while preparing');
    // Asked before the config is in force: answered from the loaded config, carried out once it is.
    assert.equal((await fetch(`${base}/api/v1/tasks/nope/run`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${base}/api/v1/tasks/long/run`, { method: 'POST' })).status, 202);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await probe(base, '/readyz')).status, 503, 'still held');
    await writeFile(join(dir, 'ready'), '');
    await waitUntil(async () => (await probe(base, '/readyz')).status === 200, 30_000, '/readyz 200 once skopeo answered');
    assert.match(d.stdout(), /open to this machine only/);

    await waitUntil(async () => (await stateOf(base, 'long')) === 'running', 30_000, 'the copy to start');
    await waitUntil(() => existsSync(join(dir, 'copying')), 30_000, 'skopeo copy to be held');
    for (let i = 0; i < 5; i++) {
      const h = await probe(base, '/healthz');
      assert.equal(h.status, 200);
      assert.deepEqual(h.body, { status: 'ok' });
      assert.ok(h.ms < 2_000, `${h.ms} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(await stateOf(base, 'long'), 'running', 'the copy is still going');
    assert.equal((await probe(base, '/readyz')).status, 200);
    await writeFile(join(dir, 'copy-go'), '');
    await waitUntil(async () => (await listTags(target, 'mirror/app')).includes('1.0'), 30_000, 'the copy to land');
  } finally {
    await writeFile(join(dir, 'ready'), '');
    await writeFile(join(dir, 'copy-go'), '');
    const r = await d.stop();
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});

test('an API beyond loopback needs a token (exit 2), or api.allow-no-token / --api-insecure; a token from DREGSY_API_TOKEN_FILE is the one checked', async () => {
  const config = (extra = '') => `listen: ':0'
relay: native
${extra}tasks:
  - name: t
    interval: 3600
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: guard/app }]
`;
  const open = await writeConfig(dir, config(), 'open.yaml');
  const env = { DREGSY_API_TOKEN: undefined, DREGSY_API_TOKEN_FILE: undefined };
  const refused = await startDregsy([`-config=${open}`], { env }).result;
  assert.equal(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /listen: the status API on ':0' would answer anyone who reaches it: set DREGSY_API_TOKEN or DREGSY_API_TOKEN_FILE/);
  const tokenFile = await writeConfig(dir, 'from-a-file-0123\n', 'api-token');
  const withToken = startDregsy([`-config=${open}`], { env: { ...env, DREGSY_API_TOKEN_FILE: tokenFile } });
  try {
    await waitForOutput(withToken.stdout, /listening on http:\/\/\S+:(\d+)/, 30_000);
    const port = /listening on http:\/\/\S+:(\d+)/.exec(withToken.stdout())![1]!;
    const url = `http://127.0.0.1:${port}/api/v1/tasks`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer from-a-file-0123' } })).status, 200);
  } finally {
    await withToken.stop();
  }
  for (const [args, file] of [
    [['--api-insecure'], open],
    [[], await writeConfig(dir, config('api: { allow-no-token: true }\n'), 'allowed.yaml')],
  ] as const) {
    const d = startDregsy([`-config=${file}`, ...args], { env });
    try {
      // logged just after 'listening on': wait for the line itself, not for the one before it
      await waitForOutput(d.stdout, /the status API has no token \(DREGSY_API_TOKEN\): open to anyone who reaches this address/, 30_000);
      assert.match(d.stdout(), /listening on/);
    } finally {
      await d.stop();
    }
  }
});
