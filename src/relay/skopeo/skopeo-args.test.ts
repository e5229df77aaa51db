import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certDirFor } from '../../registry/tls.js';
import { skopeoCopyArgs } from './skopeo-args.js';

const endpoint = (registry: string, skipTlsVerify: boolean) => ({ registry, skipTlsVerify, certsDir: '/c', credentials: undefined });
const src = { endpoint: endpoint('src.example.com:5000', true), repo: 'team/app', ref: { tag: '1.0' } };
const dst = { endpoint: endpoint('dst.example.com', false), repo: 'mirror/app', ref: { tag: '1.0' } };

test("cert dirs drop the port, as dregsy does", () => {
  assert.equal(certDirFor('/certs', 'src.example.com:5000'), '/certs/src.example.com');
  assert.equal(certDirFor('/certs', 'dst.example.com'), '/certs/dst.example.com');
});

test('skopeo copy argv: TLS, cert dirs, authfiles (never creds), refs', () => {
  const args = skopeoCopyArgs({ source: src, target: dst, platform: { kind: 'default' }, certsDir: '/c', srcAuthfile: '/a/1.json', destAuthfile: '/a/2.json' });
  assert.deepEqual(args, [
    '--insecure-policy',
    'copy',
    '--src-tls-verify=false',
    '--src-cert-dir=/c/src.example.com',
    '--dest-cert-dir=/c/dst.example.com',
    '--src-authfile=/a/1.json',
    '--dest-authfile=/a/2.json',
    'docker://src.example.com:5000/team/app:1.0',
    'docker://dst.example.com/mirror/app:1.0',
  ]);
  assert.ok(!args.some((a) => a.includes('creds')));
});

test('platforms map to --all or the --override-* flags', () => {
  const base = { source: src, target: dst, certsDir: '/c', srcAuthfile: '/a', destAuthfile: '/b' };
  const all = skopeoCopyArgs({ ...base, platform: { kind: 'all' } });
  assert.ok(all.includes('--all') && all.includes('--preserve-digests'), 'all platforms keep the index digest');
  const one = skopeoCopyArgs({ ...base, platform: { kind: 'one', os: 'linux', architecture: 'arm', variant: 'v7' } });
  for (const f of ['--override-os=linux', '--override-arch=arm', '--override-variant=v7']) assert.ok(one.includes(f), f);
  const osOnly = skopeoCopyArgs({ ...base, platform: { kind: 'one', os: 'linux' } });
  assert.ok(!osOnly.some((a) => a.startsWith('--override-arch')));
});

test('digests: pull by digest, push by tag when there is one, else by digest', () => {
  const base = { certsDir: '/c', srcAuthfile: '/a', destAuthfile: '/b', platform: { kind: 'default' } as const };
  const d = 'sha256:' + 'a'.repeat(64);
  const both = skopeoCopyArgs({ ...base, source: { ...src, ref: { tag: 'v1', digest: d } }, target: { ...dst, ref: { tag: 'v1', digest: d } } });
  assert.deepEqual(both.slice(-2), [`docker://src.example.com:5000/team/app@${d}`, 'docker://dst.example.com/mirror/app:v1']);
  const only = skopeoCopyArgs({ ...base, source: { ...src, ref: { digest: d } }, target: { ...dst, ref: { digest: d } } });
  assert.deepEqual(only.slice(-2), [`docker://src.example.com:5000/team/app@${d}`, `docker://dst.example.com/mirror/app@${d}`]);
});

test('an anonymous side is --src-no-creds / --dest-no-creds: skopeo looks up nothing for it', () => {
  const args = skopeoCopyArgs({ source: src, target: dst, platform: { kind: 'default' }, certsDir: '/c', srcAuthfile: undefined, destAuthfile: '/a/2.json' });
  assert.ok(args.includes('--src-no-creds') && !args.some((a) => a.startsWith('--src-authfile')));
  assert.ok(args.includes('--dest-authfile=/a/2.json') && !args.includes('--dest-no-creds'));
});

test("skopeo's own retries go right after the command", () => {
  const args = skopeoCopyArgs({ source: src, target: dst, platform: { kind: 'default' }, certsDir: '/c', srcAuthfile: '/a', destAuthfile: '/b', retryTimes: 2 });
  assert.deepEqual(args.slice(0, 3), ['--insecure-policy', 'copy', '--retry-times=2']);
  assert.ok(!skopeoCopyArgs({ source: src, target: dst, platform: { kind: 'default' }, certsDir: '/c', srcAuthfile: '/a', destAuthfile: '/b', retryTimes: 0 }).some((a) => a.startsWith('--retry-times')));
});
