/**
 * Flaky registries, through the built CLI: a proxy fails 20 % of requests (500, 503, 429 with
 * Retry-After, a reset before or halfway through the answer, a stall) in front of the source,
 * and separately the target. For the skopeo and the native relay, one run delivers all 50 tags
 * with the source's digests, and a second run without faults writes nothing.
 *
 * The stall is 2 s here (5 s in `make bench`, scripts/bench/faults.ts) to keep the suite short.
 * The default `retry` settings: a skopeo copy is some ten requests and fails about half of its
 * tries, but its tries are counted per failing step (src/retry/retry.ts `stepOf`), so no image
 * is lost to a registry that answers most requests.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, manifestDigest, pushTags, startFaultProxy, startRegistry, type FaultProxy, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

const TAGS = Array.from({ length: 50 }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);
let source: TestRegistry;
let target: TestRegistry;
let sourceProxy: FaultProxy;
let targetProxy: FaultProxy;
let dir: string;
let pushed: Record<string, PushedImage>;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-faults-');
  [source, target] = await Promise.all([startRegistry(), startRegistry({ accessLog: true })]);
  pushed = await pushTags(source, 'team/app', TAGS);
  [sourceProxy, targetProxy] = await Promise.all([startFaultProxy({ upstreamPort: source.port, seed: 7, stallMs: 2_000 }), startFaultProxy({ upstreamPort: target.port, seed: 11, stallMs: 2_000 })]);
});

after(async () => {
  await Promise.all([sourceProxy?.stop(), targetProxy?.stop()]);
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = (relay: string, repo: string) => `relay: ${relay}
concurrency: { copies: 4 }
tasks:
  - name: flaky
    source: { registry: ${sourceProxy.host}, skip-tls-verify: true }
    target: { registry: ${targetProxy.host}, skip-tls-verify: true }
    mappings:
      - from: team/app
        to: ${repo}
`;

describe('20 % faults on one side: one run delivers every image, unchanged', () => {
  for (const relay of ['skopeo', 'native'] as const) {
    for (const side of ['source', 'target'] as const) {
      test(`${relay} relay, faults at the ${side}`, async () => {
        const repo = `${relay}-${side}/app`;
        const file = await writeConfig(dir, config(relay, repo), `${relay}-${side}.yaml`);
        const faulty = side === 'source' ? sourceProxy : targetProxy;
        const seen = faulty.requests.length;
        faulty.setRate(0.2);
        const first = await runDregsy([`-config=${file}`], { timeoutMs: 600_000 });
        faulty.setRate(0);
        const faults = faulty.requests.slice(seen).filter((r) => r.fault !== undefined);
        assert.ok(faults.length >= 10, `the proxy injected faults (${faults.length})`);
        assert.equal(first.code, 0, first.stdout + first.stderr);
        assert.match(first.stdout, /copied=50 /);
        for (const tag of TAGS) assert.equal(await manifestDigest(target, repo, tag), pushed[tag]!.digest, `${repo}:${tag}`);

        const putsBefore = await target.manifestPuts();
        const second = await runDregsy([`-config=${file}`]);
        assert.equal(second.code, 0, second.stdout + second.stderr);
        assert.match(second.stdout, /copied=0 skipped=50 /);
        assert.equal(await target.manifestPuts(), putsBefore, 'the second run writes no manifest');
      });
    }
  }
});
