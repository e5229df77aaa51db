/**
 * Docker Hub counts every manifest GET against the pull allowance (HEADs are free). A digest
 * check reads digests with HEAD; what it must GET (the index of a multi-platform image copied
 * as one platform, the manifests the Docker relay compares by config) it reads by digest and
 * keeps, so re-checking an unchanged image, as a daemon does every interval, spends no GET.
 * Counted in a real registry's access log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';
import type { RegistryEndpoint } from '../../src/registry/types.js';
import { checkImage, type CheckInput } from '../../src/sync/check-image.js';
import { pushImage, startRegistry, type TestRegistry } from '../support/index.js';

let reg: TestRegistry;
const client = createRegistryClient({ logger: silentLogger(), userAgent: 'dregsy-test' });
const platforms = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];

before(async () => {
  reg = await startRegistry({ accessLog: true });
  await pushImage(reg, 'team/multi', 'v1', { platforms });
  // The target holds an image under the tag (another one: the check must read both sides).
  await pushImage(reg, 'mirror/multi', 'v1', { platforms: [platforms[0]!], label: 'other' });
});
after(async () => {
  await client.close();
  await reg?.stop();
});

const manifestGets = async () => ((await reg.accessLog()).match(/"GET \/v2\/[^"]*\/manifests\//g) ?? []).length;

for (const compare of ['manifest', 'config'] as const) {
  test(`re-checking an unchanged image spends no manifest GET (compare by ${compare})`, async () => {
    const ep: RegistryEndpoint = { registry: reg.host, skipTlsVerify: true, certsDir: '/nonexistent', credentials: undefined };
    const input: CheckInput = {
      copy: { sourceRepo: 'team/multi', targetRepo: 'mirror/multi', ref: { tag: 'v1' } },
      source: ep,
      target: ep,
      platform: { kind: 'default' },
      host: { os: 'linux', architecture: 'amd64' },
      compare,
    };
    const first = await checkImage(client, input);
    assert.equal(first.kind, 'decided');
    const afterFirst = await manifestGets();
    for (let i = 0; i < 3; i++) assert.deepEqual(await checkImage(client, input), first);
    assert.equal(await manifestGets(), afterFirst, 'no manifest GET after the first check');
  });
}
