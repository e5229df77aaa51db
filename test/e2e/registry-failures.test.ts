/**
 * A registry that keeps failing one kind of request, through the built CLI: the run never
 * crashes (each failing image is one error line, the report is written, the run ends with
 * exit code 1), and a registry that rate-limits is waited for, with every request to it
 * slowed down while it does.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, manifestDigest, pushTags, startFaultProxy, startRegistry, type FaultRule, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
let pushed: Record<string, PushedImage>;
const TAGS = ['1.0', '2.0', '3.0'];

before(async () => {
  dir = await makeTempDir('dregsy-e2e-registry-failures-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  pushed = await pushTags(source, 'team/app', [...TAGS, ...Array.from({ length: 17 }, (_, i) => `4.${i}`)]);
});

after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = (targetHost: string, repo: string, extra = '', tags = "['1.0', '2.0', '3.0']") => `relay: native
retry: { attempts: 2, max-delay: 1s }
${extra}
tasks:
  - name: refused
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${targetHost}, skip-tls-verify: true }
    mappings:
      - from: team/app
        to: ${repo}
        tags: ${tags}
`;

describe('a target that fails one kind of request every time: no crash, one line per image', () => {
  const cases: Array<{ name: string; rule: FaultRule; error: RegExp }> = [
    { name: 'blob uploads refused with 500', rule: { method: 'POST', path: /\/blobs\/uploads\//, fault: '500' }, error: /blobs\/uploads\/: HTTP 500 \(UNKNOWN: injected fault/ },
    { name: 'blob uploads reset', rule: { method: 'POST', path: /\/blobs\/uploads\//, fault: 'reset' }, error: /cannot reach .*(other side closed|socket|reset)/i },
    { name: 'blob HEAD answering 503', rule: { method: 'HEAD', path: /\/blobs\//, fault: '503' }, error: /\/blobs\/sha256:\w+: HTTP 503/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const proxy = await startFaultProxy({ upstreamPort: target.port, rules: [c.rule] });
      try {
        const repo = `crash/${c.name.toLowerCase().replace(/\W+/g, '-')}`;
        const report = join(dir, `${repo.replace(/\//g, '-')}.json`);
        const file = await writeConfig(dir, config(proxy.host, repo), `${repo.replace(/\//g, '-')}.yaml`);
        const r = await runDregsy([`-config=${file}`, `--report=${report}`]);
        const out = r.stdout + r.stderr;
        assert.equal(r.code, 1, out);
        assert.doesNotMatch(out, /Unhandled|node:events|^\s+at /m, 'no crash, no stack trace');
        assert.match(r.stdout, /task run finished with errors selected=3 .*failed=3 /);
        const failures = r.stdout.split('\n').filter((l) => / ERROR .*copy .* failed: /.test(l));
        assert.equal(failures.length, 3, out);
        for (const line of failures) assert.match(line, c.error);
        const written = JSON.parse(await readFile(report, 'utf8')) as { tasks: Array<{ images: Array<{ action: string }> }> };
        assert.deepEqual(written.tasks[0]!.images.map((i) => i.action), ['failed', 'failed', 'failed']);
      } finally {
        await proxy.stop();
      }
    });
  }
});

test('a registry answering 429 with Retry-After: 2 for 5 s: the run waits for it, and slows all requests to it meanwhile', async () => {
  const proxy = await startFaultProxy({ upstreamPort: target.port });
  try {
    // Opened by the first manifest PUT, when eight copies are under way at once.
    const limit = proxy.rateLimitFor(5_000, 2, (method, path) => method === 'PUT' && path.includes('/manifests/'));
    const tags = Object.keys(pushed);
    const file = await writeConfig(dir, config(proxy.host, 'limited/app', 'concurrency: { copies: 8 }', JSON.stringify(tags)).replace('attempts: 2, max-delay: 1s', 'attempts: 8'), 'limited.yaml');
    const r = await runDregsy([`-config=${file}`]);
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, out);
    for (const tag of tags) assert.equal(await manifestDigest(target, 'limited/app', tag), pushed[tag]!.digest, tag);
    const window = limit.window();
    assert.ok(window, 'the rate limit was hit');
    const limited = proxy.requests.filter((q) => q.fault === '429');
    assert.ok(limited.length >= 3, `several requests were in flight when it began (${limited.length})`);
    // Those in flight when it began get their 429 together; after that, only one request
    // every Retry-After probes it (without the brake, each would retry on its own).
    const later = proxy.requests.filter((q) => q.at > window.from + 500 && q.at < window.to);
    assert.ok(later.length <= 4, `requests during the limit after the first burst: ${later.map((q) => `${q.at - window.from}ms ${q.method} ${q.path}`).join(', ')}`);
    assert.equal(out.match(/answers 429 Too Many Requests: pausing all requests to it/g)?.length, 1, out);
    assert.equal(out.match(/back to full speed after/g)?.length, 1, out);
  } finally {
    await proxy.stop();
  }
});
