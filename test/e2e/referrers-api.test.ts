/**
 * `referrers: true` from a source with the OCI 1.1 referrers API (a local front that speaks
 * it, in front of a real docker-registry, which has none) to a target without it: the
 * referrer found only through the API (no tag-schema index at the source) arrives by its
 * digest, and the target gets the `sha256-<hex>` index so clients there find it.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { listTags, makeTempDir, manifestDigest, pushImage, startRegistry, type TestRegistry } from '../support/index.js';
import { fallbackReferrers, pushReferrer, type Descriptor } from '../support/referrers.js';
import { startReferrersFront, type ReferrersFront } from '../support/referrers-front.js';
import { runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

for (const relay of ['skopeo', 'native'] as const) {
  describe(`referrers through the referrers API (relay ${relay})`, () => {
    let source: TestRegistry;
    let target: TestRegistry;
    let front: ReferrersFront;
    let dir: string;
    let run: CliResult;
    let image: string;
    let sbom: Descriptor;

    before(async () => {
      dir = await makeTempDir(`dregsy-e2e-referrers-api-${relay}-`);
      [source, target] = await Promise.all([startRegistry(), startRegistry()]);
      front = await startReferrersFront(source.port);
      image = (await pushImage(source, 'app', 'v1')).digest;
      sbom = await pushReferrer(source, 'app', 'v1', 'application/spdx+json', { listInIndex: false });
      front.add('app', image, sbom);
      const file = await writeConfig(
        dir,
        `relay: ${relay}
tasks:
  - name: mirror
    source: { registry: ${front.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: app
        tags: [v1]
        referrers: true
`,
      );
      run = await runDregsy([`-config=${file}`]);
    });

    after(async () => {
      await Promise.all([front?.stop(), source?.stop(), target?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('a referrer only the API lists arrives, and the target without the API gets its tag-schema index', async () => {
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(await listTags(source, 'app'), ['v1'], 'the source has no tag-schema index');
      assert.ok(front.asked.includes(`app@${image}`), 'the API was asked');
      assert.equal(await manifestDigest(target, 'app', sbom.digest), sbom.digest);
      assert.deepEqual(await fallbackReferrers(target, 'app', image), [sbom]);
    });
  });
}
