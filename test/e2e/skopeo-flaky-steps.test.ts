/**
 * A skopeo copy is a dozen requests tried as a whole, and stops at the first that fails. Through
 * a flaky registry, an image's tries fail at different steps (the ping this time, the manifest
 * the next); the retry policy's `attempts` bounds the tries of each step, not of the copy, so an
 * image is not lost for failures that no single request repeats `attempts` times
 * (src/retry/retry.ts `stepOf`, src/relay/failure-text.ts `failedStep`). Real skopeo, real
 * registry, a fault proxy that fails chosen skopeo requests a set number of times.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { makeTempDir, manifestDigest, pushTags, startFaultProxy, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let dir: string;
let pushed: Record<string, PushedImage>;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-flaky-steps-');
  source = await startRegistry();
  pushed = await pushTags(source, 'team/app', ['1.0']);
});
after(async () => {
  await source?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** skopeo's requests (its User-Agent), not dregsy's own digest checks. */
const SKOPEO = /^(skopeo|containers)\//;

const config = (target: string, attempts: number) => `relay: skopeo
retry: { attempts: ${attempts}, max-delay: 200ms }
tasks:
  - name: flaky
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target}, skip-tls-verify: true }
    mappings:
      - from: team/app
`;

async function run(attempts: number, rules: Parameters<typeof startFaultProxy>[0]['rules']) {
  const target = await startRegistry();
  const proxy = await startFaultProxy({ upstreamPort: target.port, rules: rules ?? [] });
  try {
    const file = await writeConfig(dir, config(proxy.host, attempts), `flaky-${attempts}-${Date.now()}.yaml`);
    const r = await runDregsy([`-config=${file}`], { timeoutMs: 300_000, env: { LOG_LEVEL: 'debug' } });
    return { ...r, digest: await manifestDigest(target, 'team/app', '1.0'), faults: proxy.requests.filter((q) => q.fault !== undefined).length };
  } finally {
    await proxy.stop();
    await target.stop();
  }
}

test('a copy failing at the ping 5 times and at the manifest 5 times is delivered with 8 attempts: no request failed 8 times', async () => {
  const r = await run(8, [
    { method: 'GET', path: /^\/v2\/$/, userAgent: SKOPEO, fault: '503', times: 5 },
    { method: 'PUT', path: /\/manifests\//, userAgent: SKOPEO, fault: '503', times: 5 },
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.digest, pushed['1.0']!.digest);
  assert.equal(r.faults, 10, r.stdout);
  // More skopeo processes than `attempts`: the copy as a whole was tried more than 8 times.
  assert.ok((r.stdout.match(/skopeo copy .*retrying in/g) ?? []).length > 8, r.stdout);
});

test('one request failing as often as the attempts still ends the copy, with its own error', async () => {
  const r = await run(4, [{ method: 'PUT', path: /\/manifests\//, userAgent: SKOPEO, fault: '503', times: 100 }]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(r.digest, undefined);
  assert.match(r.stdout + r.stderr, /uploading manifest .*503.*\(gave up after 4 attempts\)/s);
});
