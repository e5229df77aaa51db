/**
 * A run's writes are in the write-set before the registry can tell anyone about them: a real
 * docker-registry notifies a local endpoint of every push, and that endpoint asks the write-set
 * the moment each notification arrives, as the webhook does. The registry sends it as soon as
 * the manifest PUT is stored, often before the copy has returned to its caller; a write
 * recorded only afterwards would be missed. Real relays: the native one (one target and a
 * fan-out to several) and skopeo (several tags in one `skopeo sync`).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Redactor } from '../../src/log/redact.js';
import { silentLogger } from '../../src/log/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';
import type { RegistryEndpoint } from '../../src/registry/types.js';
import { createAuthfileStore } from '../../src/auth/authfile.js';
import { createNativeRelay } from '../../src/relay/native/native-relay.js';
import { createSkopeoRelay } from '../../src/relay/skopeo/skopeo-relay.js';
import { parseDistribution } from '../../src/server/push-payloads.js';
import { OwnWrites, type ClaimedWrite } from '../../src/service/own-writes.js';
import { recordingManifestWrites, recordingRelay } from '../../src/service/write-recording.js';
import { pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { waitUntil } from '../e2e/dregsy-cli.js';

const writes = new OwnWrites({ now: Date.now });
/** What the write-set said of each tagged push, when its notification arrived. */
const seen = new Map<string, ClaimedWrite | undefined>();
let listener: Server;
let reg: TestRegistry;
const client = createRegistryClient({ logger: silentLogger(), userAgent: 'dregsy-test' });
let ep: RegistryEndpoint;

before(async () => {
  listener = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const parsed = parseDistribution(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      if (parsed.ok) for (const e of parsed.events) seen.set(`${e.repo}:${e.tag}`, writes.claim(e));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/events`;
  reg = await startRegistry({ notify: [{ url }] });
  ep = { registry: reg.host, skipTlsVerify: true, certsDir: '/nonexistent', credentials: undefined };
  await pushTags(reg, 'src/app', ['v1']);
  await pushTags(reg, 'src/many', ['b1', 'b2', 'b3']);
});

after(async () => {
  await client.close();
  await reg?.stop();
  await new Promise((r) => listener.close(r));
});

const ctx = { signal: new AbortController().signal, logger: silentLogger() };
const arrived = (image: string) => waitUntil(() => seen.has(image), 30_000, `the notification of ${image}`);

test("a push of someone else's is nobody's write", async () => {
  await arrived('src/app:v1');
  assert.equal(seen.get('src/app:v1'), undefined);
});

test("the relay's copies, one target or several, are recorded before the registry hears of them", async () => {
  const relay = recordingRelay(createNativeRelay({ registry: client, redactor: new Redactor() }), writes, 'mirror');
  const source = { endpoint: ep, repo: 'src/app', ref: { tag: 'v1' } };
  await relay.copy({ source, target: { endpoint: ep, repo: 'one/app', ref: { tag: 'v1' } }, platform: { kind: 'default' }, verbose: false }, ctx);
  assert.ok(relay.copyToMany, 'the native relay copies to several targets at once, and so does its recording');
  const outcomes = await relay.copyToMany(
    { source, targets: ['two/app', 'three/app'].map((repo) => ({ endpoint: ep, repo, ref: { tag: 'v1' } })), platform: { kind: 'default' }, verbose: false },
    ctx,
  );
  assert.deepEqual(outcomes, [undefined, undefined]);
  for (const image of ['one/app:v1', 'two/app:v1', 'three/app:v1']) {
    await arrived(image);
    assert.deepEqual(seen.get(image), { task: 'mirror' }, image);
  }
});

test("skopeo's batch (one skopeo sync for several tags) is recorded, every tag of it", async () => {
  const authfiles = createAuthfileStore();
  const relay = recordingRelay(createSkopeoRelay({ binary: 'skopeo', certsDir: '/nonexistent', authfiles, redactor: new Redactor() }), writes, 'batched');
  try {
    await relay.prepare();
    const requests = ['b1', 'b2', 'b3'].map((tag) => ({
      source: { endpoint: ep, repo: 'src/many', ref: { tag } },
      target: { endpoint: ep, repo: 'batch/many', ref: { tag } },
      platform: { kind: 'default' as const },
      verbose: false,
    }));
    const batch = relay.batch;
    assert.ok(batch, 'the skopeo relay batches, and so does its recording');
    assert.ok(requests.every((r) => batch.keyOf(r) !== undefined && batch.keyOf(r) === batch.keyOf(requests[0]!)), 'one batch');
    const outcome = await batch.copyBatch(requests, ctx);
    assert.deepEqual(outcome.delivered, [true, true, true], outcome.failure?.message);
  } finally {
    await relay.dispose();
    await authfiles.dispose();
  }
  for (const image of ['batch/many:b1', 'batch/many:b2', 'batch/many:b3']) {
    await arrived(image);
    assert.deepEqual(seen.get(image), { task: 'batched' }, image);
  }
});

test('manifest PUTs under a tag (backups, referrer tags) are recorded; the rest of the client is untouched', async () => {
  const recording = recordingManifestWrites(client, writes, 'backup-task');
  const raw = await recording.getRawManifest(ep, 'src/app', 'v1');
  assert.ok(raw, 'reads go to the client as they are');
  await recording.putManifest(ep, 'src/app', 'backup-1', { mediaType: raw.mediaType, bytes: raw.bytes });
  await arrived('src/app:backup-1');
  assert.deepEqual(seen.get('src/app:backup-1'), { task: 'backup-task' });
  assert.equal(writes.claim({ host: reg.host, repo: 'src/app', tag: raw.digest }), undefined);
  const size = writes.size;
  await recording.putManifest(ep, 'src/app', raw.digest, { mediaType: raw.mediaType, bytes: raw.bytes });
  assert.equal(writes.size, size, 'a push by digest is notified without a tag: nothing to record');
});
