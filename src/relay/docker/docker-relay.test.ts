/**
 * The Docker relay against a real dockerd (test/support/dockerd.ts) and real registries:
 * what the CLI tests cannot reach directly (prepare's retries, abort, keepImages, a push
 * refused mid-stream), plus the failures that need no daemon at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDockerd, type TestDockerd } from '../../../test/support/dockerd.js';
import { listTags, pushTags, startRegistry, type TestRegistry } from '../../../test/support/index.js';
import type { Credentials } from '../../auth/credentials.js';
import { EnvironmentError, RelayError } from '../../errors.js';
import type { Logger, LogLevel } from '../../log/logger.js';
import { Redactor } from '../../log/redact.js';
import type { PlatformChoice } from '../../plan/platform.js';
import type { CopyRequest } from '../relay.js';
import { createDockerRelay, probeDockerEngine } from './docker-relay.js';

function recordingLogger(): Logger & { lines: Array<[LogLevel, string]> } {
  const lines: Array<[LogLevel, string]> = [];
  const at = (level: LogLevel) => (message: string) => void lines.push([level, message]);
  const self = {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: () => true,
    child: () => self,
  };
  return self;
}

const MISSING_SOCKET = 'unix:///nonexistent/dregsy-test/docker.sock';

describe('without a daemon', () => {
  test('prepare pings as often as told, logs each retry, then fails clearly', async () => {
    const logger = recordingLogger();
    const relay = createDockerRelay({ host: MISSING_SOCKET, apiVersion: '1.41', redactor: new Redactor(), logger, pingAttempts: 3, pingIntervalMs: 10 });
    const started = Date.now();
    await assert.rejects(relay.prepare(), (e: unknown) => {
      assert.ok(e instanceof EnvironmentError);
      assert.match(e.message, /Docker Engine at unix:\/\/\/nonexistent\/dregsy-test\/docker\.sock does not answer: unsuccessfully pinged it 3 time\(s\), last error: .*ENOENT/);
      assert.match(e.message, /set 'docker.dockerhost'/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
    assert.equal(logger.lines.filter(([level, m]) => level === 'info' && /does not answer yet .*\([12]\/3\)/.test(m)).length, 2);
    await relay.dispose();
  });

  test('prepare stops waiting when aborted', async () => {
    const relay = createDockerRelay({ host: MISSING_SOCKET, apiVersion: '1.41', redactor: new Redactor(), pingIntervalMs: 60_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    await assert.rejects(relay.prepare(ac.signal), EnvironmentError);
    assert.ok(Date.now() - started < 5_000);
    await relay.dispose();
  });

  test('a docker host we cannot use fails at prepare, naming it', async () => {
    const relay = createDockerRelay({ host: 'ssh://me@host', apiVersion: '1.41', redactor: new Redactor() });
    await assert.rejects(relay.prepare(), /relay 'docker': unsupported docker host 'ssh:\/\/me@host'/);
  });

  test('the short probe answers with the reason', async () => {
    assert.match((await probeDockerEngine(MISSING_SOCKET, '1.41', 1_000)) ?? '', /cannot reach the Docker Engine at .*ENOENT/);
  });
});

describe('with a real dockerd', () => {
  let source: TestRegistry;
  let target: TestRegistry;
  let dockerd: TestDockerd;
  const good: Credentials = { username: 'tester', password: 'tester-pw' };
  const endpoint = (reg: TestRegistry, credentials?: Credentials) => ({ registry: reg.host, skipTlsVerify: false, certsDir: '/none', credentials });
  const request = (tag: string, targetRepo: string, opts: { platform?: PlatformChoice; targetCreds?: Credentials } = {}): CopyRequest => ({
    source: { endpoint: endpoint(source, good), repo: 'app', ref: { tag } },
    target: { endpoint: endpoint(target, opts.targetCreds), repo: targetRepo, ref: { tag } },
    platform: opts.platform ?? { kind: 'default' },
    verbose: true,
  });

  before(async () => {
    [source, target] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry({ auth: 'htpasswd' })]);
    await pushTags(source, 'app', ['1', '2', '3', '4']);
    dockerd = await startDockerd({ insecureRegistries: [source.host, target.host] });
  });
  after(async () => {
    await Promise.all([source?.stop(), target?.stop(), dockerd?.stop()]);
  });

  test('an API version the Engine does not speak is refused at prepare', async () => {
    const relay = createDockerRelay({ host: dockerd.host, apiVersion: '1.99', redactor: new Redactor(), pingAttempts: 1 });
    await assert.rejects(relay.prepare(), /supports API versions up to 1\.\d+, but 'docker.api-version' asks for 1\.99/);
    await relay.dispose();
  });

  test('a push refused mid-stream: a RelayError naming the push, redacted; the daemon is left clean', async () => {
    const redactor = new Redactor();
    redactor.add('not-the-pw');
    const relay = createDockerRelay({ host: dockerd.host, apiVersion: '1.41', redactor, pingAttempts: 1 });
    await relay.prepare();
    const logger = recordingLogger();
    const req = request('1', 'refused/app', { targetCreds: { username: 'tester', password: 'not-the-pw' } });
    await assert.rejects(relay.copy(req, { signal: new AbortController().signal, logger }), (e: unknown) => {
      assert.ok(e instanceof RelayError);
      assert.match(e.message, /failed at 'docker push 127\.0\.0\.1:\d+\/refused\/app:1': .*(unauthorized|authentication required)/);
      assert.match(e.message, /check the location's 'auth' credentials/);
      assert.ok(!e.message.includes('not-the-pw') && !e.stderrTail.includes('not-the-pw'));
      return true;
    });
    assert.ok(!(await dockerd.imageRefs()).some((r) => r.includes('refused/app') || r.endsWith('/app:1')), 'what the copy pulled and tagged is gone');
    await relay.dispose();
  });

  test('abort during a copy: stopped by shutdown', async () => {
    const relay = createDockerRelay({ host: dockerd.host, apiVersion: '1.41', redactor: new Redactor(), pingAttempts: 1 });
    const ac = new AbortController();
    // The first progress line (verbose) is the moment the pull is under way.
    const logger = { ...recordingLogger(), debug: (_m: string, fields?: Record<string, unknown>) => fields?.relay === 'docker' && ac.abort() };
    await assert.rejects(relay.copy(request('1', 'aborted/app', { targetCreds: good }), { signal: ac.signal, logger }), (e: unknown) => {
      assert.ok(e instanceof RelayError);
      assert.match(e.message, /stopped by shutdown/);
      return true;
    });
    assert.deepEqual(await listTags(target, 'aborted/app'), []);
    await relay.dispose();
  });

  test('keepImages leaves what was pulled and tagged; skip-tls-verify warns once', async () => {
    const relay = createDockerRelay({ host: dockerd.host, apiVersion: '1.41', redactor: new Redactor(), keepImages: true, pingAttempts: 1 });
    await relay.prepare();
    const logger = recordingLogger();
    const ctx = { signal: new AbortController().signal, logger };
    for (const tag of ['2', '3']) {
      const req = request(tag, 'kept/app', { targetCreds: good });
      req.source.endpoint.skipTlsVerify = true;
      await relay.copy(req, ctx);
    }
    assert.deepEqual(await listTags(target, 'kept/app'), ['2', '3']);
    assert.equal(logger.lines.filter(([level, m]) => level === 'warn' && /'skip-tls-verify' \(127\.0\.0\.1:\d+\) has no effect on pulls and pushes with relay 'docker'/.test(m)).length, 1);
    const refs = await dockerd.imageRefs();
    for (const ref of [`${source.host}/app:2`, `${target.host}/kept/app:3`]) assert.ok(refs.includes(ref), `${ref} in ${refs.join(', ')}`);
    await relay.dispose();
  });

  test('an image that was on the daemon before a copy stays; only what the copy added goes', async () => {
    const ctx = () => ({ signal: new AbortController().signal, logger: recordingLogger() });
    // This test's own image on the daemon first: a copy that keeps what it pulled.
    const keeping = createDockerRelay({ host: dockerd.host, apiVersion: '1.41', redactor: new Redactor(), keepImages: true, pingAttempts: 1 });
    await keeping.copy(request('4', 'before/app', { targetCreds: good }), ctx());
    await keeping.dispose();
    assert.ok((await dockerd.imageRefs()).includes(`${source.host}/app:4`));
    const relay = createDockerRelay({ host: dockerd.host, apiVersion: '1.41', redactor: new Redactor(), pingAttempts: 1 });
    await relay.copy(request('4', 'again/app', { targetCreds: good }), ctx());
    const refs = await dockerd.imageRefs();
    assert.ok(refs.includes(`${source.host}/app:4`), refs.join(', '));
    assert.ok(!refs.includes(`${target.host}/again/app:4`), refs.join(', '));
    await relay.dispose();
  });
});
