/**
 * TLS, mutual TLS, htpasswd basic auth and token auth, on both sides of a sync, through
 * the built CLI and the real skopeo. The target is addressed as `localhost:PORT` so each
 * registry has its own folder in one certs-dir (dregsy drops the port from folder names).
 */
import assert from 'node:assert/strict';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { listTags, makeTempDir, manifestDigest, pushTags, startRegistry, type StartRegistryOptions, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig } from './dregsy-cli.js';

interface Case {
  name: string;
  opts: StartRegistryOptions;
}

const cases: Case[] = [
  { name: 'TLS with a CA in the certs dir', opts: { tls: 'tls' } },
  { name: 'mutual TLS', opts: { tls: 'mtls' } },
  { name: 'htpasswd basic auth', opts: { auth: 'htpasswd', users: { alice: 'src-Pa55word' } } },
  { name: 'token auth', opts: { auth: 'token', users: { bob: 'tok-Pa55word' } } },
  { name: 'TLS and basic auth', opts: { tls: 'tls', auth: 'htpasswd', users: { carol: 'tls-Pa55word' } } },
];

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function locationYaml(reg: TestRegistry, registry: string): string {
  const lines = [`registry: ${registry}`];
  if (reg.tls === 'none') lines.push('skip-tls-verify: true');
  const [user, pass] = Object.entries(reg.users)[0] ?? [];
  if (reg.auth !== 'none' && user && pass) lines.push(`auth: ${authOf(user, pass)}`);
  return `{ ${lines.join(', ')} }`;
}

async function setUp(opts: StartRegistryOptions) {
  const dir = await makeTempDir('dregsy-e2e-tls-');
  const source = await startRegistry(opts);
  // The target gets other credentials than the source, so a mix-up would fail.
  const targetUsers = opts.users ? Object.fromEntries(Object.keys(opts.users).map((u) => [`${u}-t`, 'tgt-Pa55word'])) : undefined;
  const target = await startRegistry({ ...opts, ...(targetUsers ? { users: targetUsers } : {}) });
  cleanups.push(async () => {
    await Promise.all([source.stop(), target.stop()]);
    await rm(dir, { recursive: true, force: true });
  });
  const certsDir = join(dir, 'certs.d');
  await mkdir(certsDir, { recursive: true });
  if (source.certsDir) await cp(join(source.certsDir, '127.0.0.1'), join(certsDir, '127.0.0.1'), { recursive: true });
  if (target.certsDir) await cp(join(target.certsDir, '127.0.0.1'), join(certsDir, 'localhost'), { recursive: true });
  const targetHost = `localhost:${target.host.split(':')[1]}`;
  return { dir, source, target, certsDir, targetHost };
}

describe('sync through TLS and auth', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const { dir, source, target, certsDir, targetHost } = await setUp(c.opts);
      const pushed = await pushTags(source, 'team/app', ['1.0', '1.1', 'latest']);
      const file = await writeConfig(
        dir,
        `
relay: skopeo
skopeo: { certs-dir: ${certsDir} }
tasks:
  - name: secure
    source: ${locationYaml(source, source.host)}
    target: ${locationYaml(target, targetHost)}
    mappings:
      - from: team/app            # all tags: listed through dregsy's registry client
        to: mirror/app
      - from: team/app
        to: mirror/one
        tags: [latest]
`,
      );
      const r = await runDregsy([`-config=${file}`]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(await listTags(target, 'mirror/app'), ['1.0', '1.1', 'latest']);
      assert.deepEqual(await listTags(target, 'mirror/one'), ['latest']);
      for (const tag of ['1.0', '1.1', 'latest']) {
        assert.equal(await manifestDigest(target, 'mirror/app', tag), pushed[tag]!.digest, tag);
      }
    });
  }

  test('a TLS registry whose CA is not in the certs dir fails with a clear message', async () => {
    const { dir, source, target } = await setUp({ tls: 'tls' });
    await pushTags(source, 'team/app', ['1.0']);
    const empty = join(dir, 'empty-certs');
    await mkdir(empty);
    const file = await writeConfig(
      dir,
      `
skopeo: { certs-dir: ${empty} }
tasks:
  - name: untrusted
    source: { registry: ${source.host} }
    target: { registry: ${target.host} }
    mappings:
      - from: team/app
        tags: ['1.0']
`,
    );
    const r = await runDregsy([`-config=${file}`]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /certificate|x509|unknown authority/i);
    assert.deepEqual(await listTags(target, 'team/app'), []);
  });
});
