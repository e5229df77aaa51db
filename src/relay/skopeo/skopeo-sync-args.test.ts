import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CopyRequest } from '../relay.js';
import { deliveredTags, skopeoSyncArgs, syncBatchKey, syncDestination, syncSourceList } from './skopeo-sync-args.js';

const endpoint = (registry: string, skipTlsVerify: boolean) => ({ registry, skipTlsVerify, certsDir: '/c', credentials: undefined });
const req = (tag: string, over: Partial<CopyRequest> = {}): CopyRequest => ({
  source: { endpoint: endpoint('src:5000', true), repo: 'team/app', ref: { tag } },
  target: { endpoint: endpoint('dst', false), repo: 'mirror/deep/app', ref: { tag } },
  platform: { kind: 'default' },
  verbose: false,
  ...over,
});

test('a batch carries tags of one repository whose target path ends like the source, default or all platforms', () => {
  assert.equal(syncBatchKey(req('1')), syncBatchKey(req('2')));
  assert.notEqual(syncBatchKey(req('1')), syncBatchKey(req('1', { platform: { kind: 'all' } })));
  assert.equal(syncBatchKey(req('1', { platform: { kind: 'one', os: 'linux', architecture: 'arm64' } })), undefined, 'sync cannot pick one platform');
  assert.equal(syncBatchKey(req('1', { target: { ...req('1').target, repo: 'mirror/other' } })), undefined, 'sync keeps the last element');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.equal(syncBatchKey(req('1', { source: { ...req('1').source, ref: { tag: '1', digest: d } } })), undefined, 'sync cannot pull by digest');
  assert.equal(syncBatchKey(req('1', { source: { ...req('1').source, ref: { digest: d } }, target: { ...req('1').target, ref: { digest: d } } })), undefined);
});

test('sync argv: yaml source list, keep going, authfiles or no-creds, --all with --preserve-digests', () => {
  const base = { certsDir: '/c', retryTimes: 2, sourceListPath: '/p/list', srcAuthfile: undefined, destAuthfile: '/a/2.json' };
  const args = skopeoSyncArgs({ ...base, requests: [req('1'), req('2')] });
  assert.deepEqual(args, ['--insecure-policy', 'sync', '--src', 'yaml', '--dest', 'docker', '--keep-going', '--retry-times=2', '--dest-cert-dir=/c/dst', '--src-no-creds', '--dest-authfile=/a/2.json', '/p/list', 'dst/mirror/deep']);
  const all = skopeoSyncArgs({ ...base, requests: [req('1', { platform: { kind: 'all' } })] });
  assert.ok(all.includes('--all') && all.includes('--preserve-digests'));
  assert.ok(!args.some((a) => a.includes('creds') && a !== '--src-no-creds'));
  assert.equal(syncDestination(req('1', { target: { ...req('1').target, repo: 'app' } })), 'dst', 'a top-level target repository');
});

test('the source list names exactly the batch tags, with the source TLS settings', () => {
  const list = JSON.parse(syncSourceList([req('1.0'), req('2.0'), req('1.0')], '/certs')) as unknown;
  assert.deepEqual(list, { 'src:5000': { 'tls-verify': false, 'cert-dir': '/certs/src', images: { 'team/app': ['1.0', '2.0'] } } });
});

// As skopeo 1.9.3 prints it with --keep-going (stderr).
const LOG = `time="t" level=info msg="Processing repo" registry="127.0.0.1:41115" repo=team/app
time="t" level=info msg="Copying image ref 1/4" from="docker://127.0.0.1:41115/team/app:a" to="docker://127.0.0.1:45315/mirror/x/app:a"
time="t" level=info msg="Copying image ref 2/4" from="docker://127.0.0.1:41115/team/app:b" to="docker://127.0.0.1:45315/mirror/x/app:b"
time="t" level=info msg="Copying image ref 3/4" from="docker://127.0.0.1:41115/team/app:nope" to="docker://127.0.0.1:45315/mirror/x/app:nope"
time="t" level=error msg="Error copying ref \\"docker://127.0.0.1:41115/team/app:nope\\"" error="initializing source docker://127.0.0.1:41115/team/app:nope: manifest unknown"
time="t" level=info msg="Copying image ref 4/4" from="docker://127.0.0.1:41115/team/app:c" to="docker://127.0.0.1:45315/mirror/x/app:c"
time="t" level=info msg="Synced 3 images from 1 sources"
time="t" level=fatal msg="Sync failed due to previous reported error(s) for one or more images"`;

test('delivered: begun, not failed, and followed by the next image or the end', () => {
  assert.deepEqual([...deliveredTags(LOG)].sort(), ['a', 'b', 'c']);
  // Killed while copying c: c is not delivered.
  const killed = LOG.split('\n').slice(0, 6).join('\n');
  assert.deepEqual([...deliveredTags(killed)].sort(), ['a', 'b']);
  assert.deepEqual([...deliveredTags('time="t" level=fatal msg="open list: no such file"')], []);
});
