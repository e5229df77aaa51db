/**
 * regsync → dregsy on the example of regsync's documentation (seed document) and on a file
 * with every regsync option: keys and values of the printed config, the exact list of what
 * was left out, and that the result is a config dregsy accepts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ImportInputError } from '../../src/import/peer-file.js';
import { FORMATS, importConfig } from '../../src/import/import-config.js';
import { assertNoSecrets, convert, droppedPaths } from './kit.js';

describe("regsync documentation's example", () => {
  const c = convert('regsync', ['seeds/regsync.yml']);

  test("three steps: image hourly, repository on a cron schedule with allow/deny, a registry through its whole catalog (from: '*') with its repository lists", () => {
    assert.equal(c.data.relay, 'skopeo');
    assert.deepEqual(c.data.concurrency, { copies: 2 });
    // from: '*' reads the catalog to its end whatever lister.maxItems says
    assert.equal(c.data.lister, undefined);
    const [image, repo, registry] = c.data.tasks;
    assert.equal(c.data.tasks.length, 3);
    assert.deepEqual(image, {
      name: 'docker.io-to-localhost-5000',
      interval: 3600,
      source: { registry: 'docker.io', auth: '${DREGSY_AUTH_DOCKER_IO}' },
      target: { registry: 'localhost:5000', 'skip-tls-verify': true },
      mappings: [{ from: 'library/busybox', tags: ['latest'], platform: 'all', backup: 'backup-{{.Tag}}' }],
    });
    assert.equal(repo?.interval, undefined);
    assert.equal(repo?.schedule, '15 01 * * *');
    assert.deepEqual(repo?.mappings, [{ from: 'library/alpine', tags: ['regex: latest', 'regex: edge', 'regex: 3', 'regex: 3.\\d+', 'keep: !3.0'], platform: 'all' }]);
    assert.deepEqual(registry, {
      name: 'localreg-5000-to-localcopy-5000',
      source: { registry: 'localreg:5000', lister: { type: 'catalog' } },
      target: { registry: 'localcopy:5000' },
      mappings: [{ from: '*', platform: 'all', allow: { repos: ['team-x/.*'] }, deny: { repos: ['.*backup'] } }],
    });
  });

  test('left out: a backup to another repository and the rate limit (the repository deny list is converted)', () => {
    assert.deepEqual(droppedPaths(c), ['defaults.ratelimit', 'sync[1].backup']);
    assert.equal(c.warnings.length, 2);
  });

  test('Docker Hub credentials from env and file become one variable with the shell line that builds it', () => {
    assert.deepEqual(c.result.env.map((e) => [e.name, e.command]), [
      ['DREGSY_AUTH_DOCKER_IO', `export DREGSY_AUTH_DOCKER_IO="$(printf '%s:%s' "$HUB_USER" "$(cat '/var/run/secrets/hub_token')" | base64 -w0)"`],
    ]);
    assert.match(c.text, /^# SET THESE ENVIRONMENT VARIABLES/m);
    assert.match(c.text, /^# NOT CONVERTED \(2\)/m);
  });

  test('dregsy accepts it', () => {
    assert.equal(c.loaded.config.tasks?.length, 3);
  });
});

describe('every regsync option', () => {
  const c = convert('regsync', ['regsync/all-options.yml']);

  test('left out, exactly', () => {
    assert.deepEqual(droppedPaths(c), [
      ...['mirrors', 'priority', 'blobChunk', 'blobMax', 'reqPerSec', 'reqConcurrent', 'credHost', 'token', 'api', 'apiOpts'].map((k) => `creds[0].${k}`),
      ...['blobLimit', 'cacheCount', 'cacheTime', 'skipDockerConfig', 'userAgent', 'mediaTypes', 'referrerFilters', 'referrerSource', 'referrerTarget', 'includeExternal', 'ratelimit'].map((k) => `defaults.${k}`),
      'sync[0].platforms',
      'sync[3].target',
      'sync[4].interval',
      'sync[4].bogus',
    ]);
  });

  test('creds: hostname is the server, tls/scheme skip verification, ECR helper refreshes, certificates are files', () => {
    const [first, hub, ghcr] = c.data.tasks;
    assert.deepEqual(first?.source, { registry: 'mirror.example.org:5443', auth: '${DREGSY_AUTH_REGISTRY_EXAMPLE_ORG_5000}', 'skip-tls-verify': true });
    assert.deepEqual(first?.target, { registry: 'plain.example.org:5000', 'skip-tls-verify': true });
    assert.deepEqual(hub?.target, { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'auth-refresh': '1h' });
    assert.deepEqual(ghcr?.source, { registry: 'ghcr.io', lister: { type: 'catalog' } });
    assert.deepEqual(
      c.result.files.map((f) => f.path),
      ['/etc/skopeo/certs.d/mirror.example.org/ca.crt', '/etc/skopeo/certs.d/mirror.example.org/client.cert', '/etc/skopeo/certs.d/mirror.example.org/client.key', '$DOCKER_CONFIG/config.json (default ~/.docker/config.json)'],
    );
    // the docker config must stay on for the ghcr.io helper, so skipDockerConfig is the one left out
    assert.equal(c.data['use-docker-config'], undefined);
    assert.deepEqual(c.data.concurrency, { copies: 4 });
  });

  test("steps: digest pinned image with a pathPrefix, tag sets as mappings, repos allow/deny as lists beside from: '*', raised interval", () => {
    const [first, hub, ghcr, last] = c.data.tasks;
    assert.equal(first?.interval, 7200); // defaults.interval
    assert.deepEqual(first?.mappings, [{ from: 'mirror/team/app', to: 'team/app', tags: ['v1@sha256:4f2a9c1b3d5e7f80112233445566778899aabbccddeeff00112233445566778a'], platform: 'linux/arm64', force: true, backup: 'bak-{{.Tag}}', referrers: true }]);
    assert.equal(hub?.schedule, '*/15 * * * *');
    assert.deepEqual(
      hub?.mappings.map((m) => m.tags),
      [['semver: >=1.36.0 <2.0.0', 'semver: >=1.2.3 <2.0.0', 'keep: 1\\..*', 'keep: !1\\.36\\.0'], ['regex: latest'], ['keep: !.*-rc.*']],
    );
    assert.equal(ghcr?.schedule, '0 3 * * 1');
    assert.deepEqual(ghcr?.mappings, [{ from: '*', to: 'ghcr', platform: 'all', force: true, backup: 'bak-{{.Tag}}', referrers: true, allow: { repos: ['team/.*', 'infra/.*'] }, deny: { repos: ['.*/old'] } }]);
    assert.equal(last?.interval, 30);
    assert.equal(c.data.tasks.length, 4); // sync[3] (a renamed tag) is left out
  });

  test('no credential written inline reaches the output', () => {
    assertNoSecrets(c, ['Inline-Secret-0rg', 'alice', 'Inline-Token-0rg']);
    assert.equal(c.result.env.find((e) => e.name === 'DREGSY_AUTH_REGISTRY_EXAMPLE_ORG_5000')?.command, undefined);
  });

  test('dregsy accepts it', () => {
    assert.equal(c.loaded.config.tasks?.length, 4);
  });
});

test("the command line: 'once' drops schedules, --missing and --abort-on-error are left out", () => {
  const c = convert('regsync', ['seeds/regsync.yml'], ['regsync', 'once', '--missing', '--abort-on-error', '-v', 'debug']);
  assert.deepEqual(c.data.tasks.map((t) => [t.interval, t.schedule]), [[undefined, undefined], [undefined, undefined]]);
  // without intervals the image and repository steps share one task
  assert.equal(c.data.tasks[0]?.mappings.length, 2);
  assert.deepEqual(droppedPaths(c), ['defaults.ratelimit', 'sync[1].backup', '--missing', '--abort-on-error']);
});

test('input a regsync could not read is an error with file and line, every problem at once', () => {
  const bad = 'version: 1\nsync:\n  - source: a\n    target: b\n    type: mirror\n  - target: c\n    type: image\n';
  assert.throws(
    () => importConfig(FORMATS.regsync!, [{ name: 'bad.yml', text: bad }], []),
    (e: unknown) => {
      assert.ok(e instanceof ImportInputError);
      assert.deepEqual(e.problems.map((p) => `${p.at.line}: ${p.at.path}: ${p.message}`), [
        "5: sync[0].type: type must be 'image', 'repository' or 'registry'",
        '6: sync[1].source: a sync step needs its source',
      ]);
      return true;
    },
  );
  assert.throws(() => importConfig(FORMATS.regsync!, [{ name: 'v2.yml', text: 'version: 2\n' }], []), /v2.yml:1: version: regsync config version 2/);
  assert.throws(() => importConfig(FORMATS.regsync!, [{ name: 'syntax.yml', text: 'sync: [\n' }], []), /syntax.yml:\d+/);
});
