/**
 * A refused connection means two things: a registry restarting (retry), or a wrong address
 * (say so at once). The difference is whether it has ever answered: against a real registry,
 * stopped after its first answer, and a port nothing ever listened on.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { RegistryHealth } from '../../src/registry/health.js';
import type { RegistryEndpoint } from '../../src/registry/types.js';
import { pushTags, startRegistry } from '../support/index.js';

const policy = { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 };
const ep = (registry: string): RegistryEndpoint => ({ registry, skipTlsVerify: true, certsDir: '/nonexistent', credentials: undefined });

function client() {
  const health = new RegistryHealth({ logger: silentLogger(), budget: 100, maxDelayMs: policy.maxDelayMs });
  return { health, registry: createRegistryClient({ logger: silentLogger(), userAgent: 'dregsy-test', retry: policy, health }) };
}

test('a registry that never answered and refuses connections fails at once, without retries', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const { health, registry } = client();
  try {
    await assert.rejects(registry.listTags(ep(`127.0.0.1:${closed}`), 'app'), /cannot reach 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    assert.equal(health.snapshot()[0]?.retries, 0);
  } finally {
    await registry.close();
  }
});

test('a registry that answered before and then refuses connections is retried', async () => {
  const reg = await startRegistry();
  const { health, registry } = client();
  try {
    await pushTags(reg, 'app', ['1']);
    assert.deepEqual(await registry.listTags(ep(reg.host), 'app'), ['1']);
    await reg.stop();
    await assert.rejects(registry.listTags(ep(reg.host), 'app'), /ECONNREFUSED.* \(gave up after 4 attempts\)/);
    assert.equal(health.snapshot()[0]?.retries, 3);
  } finally {
    await registry.close();
    await reg.stop();
  }
});
