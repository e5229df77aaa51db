/**
 * `referrers: true` end to end, by the skopeo and native relays between real registries
 * without the referrers API (docker-registry 2.8), so through the tag schema: an image with an
 * OCI referrer (a manifest with `subject`, listed in the `sha256-<hex>` index) and cosign-style
 * `.sig` / `.att` tags arrives with all of them, by the same digests; a mapping without the
 * option copies nothing extra; a second run copies nothing again, but a signature added at the
 * source meanwhile arrives (its image unchanged), and what the target's index listed stays.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listTags, makeTempDir, manifestDigest, pushImage, startRegistry, type TestRegistry } from '../support/index.js';
import { fallbackReferrers, pushCosignTag, pushReferrer, referrersTag, type Descriptor } from '../support/referrers.js';
import { runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

interface ReportImage {
  target: string;
  action: string;
  referrers?: { copied: number; skipped: number };
}

for (const relay of ['skopeo', 'native'] as const) {
  describe(`referrers (relay ${relay})`, () => {
    let source: TestRegistry;
    let target: TestRegistry;
    let dir: string;
    let first: CliResult;
    let second: CliResult;
    let image: string;
    let multi: { digest: string; childDigests: Record<string, string> };
    let signature: Descriptor;
    let sig: Descriptor;
    let att: Descriptor;
    let childSignature: Descriptor;
    let later: Descriptor;
    let targetOwn: Descriptor;
    let report: (run: number) => Promise<ReportImage[]>;

    before(async () => {
      dir = await makeTempDir(`dregsy-e2e-referrers-${relay}-`);
      [source, target] = await Promise.all([startRegistry(), startRegistry()]);
      image = (await pushImage(source, 'app', 'v1')).digest;
      signature = await pushReferrer(source, 'app', 'v1');
      sig = await pushCosignTag(source, 'app', image, 'sig');
      att = await pushCosignTag(source, 'app', image, 'att');
      multi = await pushImage(source, 'app', 'multi', { platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
      childSignature = await pushReferrer(source, 'app', multi.childDigests['linux/arm64']!, 'application/vnd.dregsy.test.sbom');
      const file = await writeConfig(
        dir,
        `relay: ${relay}
tasks:
  - name: mirror
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: app
        to: signed/app
        tags: [v1]
        referrers: true
      - from: app
        to: signed/multi
        tags: [multi]
        platform: all
        referrers: true
      - from: app
        to: plain/app
        tags: [v1, multi]
        platform: all
`,
      );
      report = async (run) => (JSON.parse(await readFile(join(dir, `report-${run}.json`), 'utf8')) as { tasks: Array<{ images: ReportImage[] }> }).tasks[0]!.images;
      first = await runDregsy([`-config=${file}`, `-report=${join(dir, 'report-1.json')}`]);
      // Meanwhile: a new signature at the source, and one pushed at the target only.
      later = await pushReferrer(source, 'app', 'v1', 'application/vnd.dregsy.test.attestation');
      targetOwn = await pushReferrer(target, 'signed/app', 'v1', 'application/vnd.dregsy.test.mirror-note');
      second = await runDregsy([`-config=${file}`, `-report=${join(dir, 'report-2.json')}`]);
    });

    after(async () => {
      await Promise.all([source?.stop(), target?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('the image arrives with its referrer (same digest, listed in the tag-schema index) and its cosign tags', async () => {
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.equal(await manifestDigest(target, 'signed/app', 'v1'), image);
      assert.equal(await manifestDigest(target, 'signed/app', signature.digest), signature.digest);
      assert.deepEqual((await fallbackReferrers(source, 'app', image)).map((d) => d.digest).slice(0, 1), [signature.digest]);
      assert.equal(await manifestDigest(target, 'signed/app', `${referrersTag(image)}.sig`), sig.digest);
      assert.equal(await manifestDigest(target, 'signed/app', `${referrersTag(image)}.att`), att.digest);
      const v1 = (await report(1)).find((i) => i.target.endsWith('signed/app:v1'));
      assert.deepEqual(v1?.referrers, { copied: 3, skipped: 0 }, 'the referrer and two digest tags');
    });

    test('a copy of every platform brings the referrers of the index children too', async () => {
      assert.equal(await manifestDigest(target, 'signed/multi', 'multi'), multi.digest);
      assert.equal(await manifestDigest(target, 'signed/multi', childSignature.digest), childSignature.digest);
      const listed = await fallbackReferrers(target, 'signed/multi', multi.childDigests['linux/arm64']!);
      assert.deepEqual(listed, [childSignature]);
    });

    test('without the option, nothing but the images is copied', async () => {
      assert.deepEqual(await listTags(target, 'plain/app'), ['multi', 'v1']);
      assert.equal(await manifestDigest(target, 'plain/app', signature.digest), undefined);
      assert.equal(await manifestDigest(target, 'plain/app', childSignature.digest), undefined);
      assert.equal((await report(1)).find((i) => i.target.endsWith('plain/app:v1'))?.referrers, undefined);
    });

    test('the next run skips what arrived, brings a signature added since, and keeps what only the target listed', async () => {
      assert.equal(second.code, 0, second.stdout + second.stderr);
      const v1 = (await report(2)).find((i) => i.target.endsWith('signed/app:v1'));
      assert.equal(v1?.action, 'skipped', 'the image is unchanged');
      assert.deepEqual(v1?.referrers, { copied: 1, skipped: 3 });
      assert.equal(await manifestDigest(target, 'signed/app', later.digest), later.digest);
      const listed = (await fallbackReferrers(target, 'signed/app', image)).map((d) => d.digest).sort();
      assert.deepEqual(listed, [signature.digest, later.digest, targetOwn.digest].sort());
      const multiRun = (await report(2)).find((i) => i.target.endsWith('signed/multi:multi'));
      assert.deepEqual(multiRun?.referrers, { copied: 0, skipped: 1 });
    });
  });
}
