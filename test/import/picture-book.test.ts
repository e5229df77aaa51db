/**
 * picture-book → dregsy: the README's config.yaml (seed document) and one with every key.
 * The image list comes from a script: each task's source runs it as its `script` lister, and
 * its mappings place the listed images as picture-book's ReTag does (under `repository`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertNoSecrets, convert, droppedPaths } from './kit.js';

describe("picture-book README's config.yaml", () => {
  const c = convert('picture-book', ['seeds/picture-book.yaml']);

  test('one task per registry: Docker Hub → hostname, on the cron schedule in UTC, through the Docker Engine', () => {
    assert.equal(c.data.relay, 'docker');
    assert.deepEqual(c.data.docker, { dockerhost: 'unix:///var/run/docker.sock' });
    assert.deepEqual(c.data.tasks, [
      {
        name: 'my-registry.com',
        schedule: 'CRON_TZ=UTC */1 * * * *',
        'run-on-start': false,
        source: { registry: 'docker.io', auth: '${DREGSY_AUTH_DOCKER_IO}', lister: { type: 'script', cmd: 'test.sh' } },
        target: { registry: 'my-registry.com', auth: '${DREGSY_AUTH_MY_REGISTRY_COM}' },
        mappings: [
          { from: '*', to: 'test-images', deny: { repos: ['test-images.*'] } },
          { from: 'regex:test-images.*' },
        ],
      },
    ]);
  });

  test('left out: only the HTTP API (the script and the prefix of its images are converted)', () => {
    assert.deepEqual(droppedPaths(c), ['api']);
  });

  test('the credentials (user:password) and the API token stay out', () => {
    assertNoSecrets(c, ['testpassword', 'testuser', 'this-is-a-token']);
    assert.equal(c.loaded.config.tasks?.length, 1);
  });
});

describe('every picture-book key', () => {
  const c = convert('picture-book', ['picture-book/all-options.yaml']);

  test('left out, exactly', () => {
    assert.deepEqual(droppedPaths(c), ['registries[0].deleteLocalImages', 'registries[1].colour']);
  });

  test('the script with its arguments (split at spaces) as the source lister; the repository prefix as picture-book retags', () => {
    const [harbor, local] = c.data.tasks;
    assert.deepEqual(harbor?.source.lister, { type: 'script', cmd: 'sync-scripts/get-rancher-images-for-tag', args: ['v2.7.0'] });
    assert.deepEqual(harbor?.mappings, [{ from: '*', to: 'mirror', deny: { repos: ['mirror.*'] } }, { from: 'regex:mirror.*' }]);
    assert.deepEqual(local?.source.lister, { type: 'script', cmd: 'sync-scripts/test.sh' });
    assert.deepEqual(local?.mappings, [{ from: '*' }]);
  });

  test('keys in any case; cron schedules in UTC', () => {
    assert.deepEqual(c.data.tasks.map((t) => [t.name, t.schedule, t.target]), [
      ['harbor.example.com', 'CRON_TZ=UTC 0 2 * * *', { registry: 'harbor.example.com', auth: '${DREGSY_AUTH_HARBOR_EXAMPLE_COM}' }],
      ['registry.local:5000', 'CRON_TZ=UTC 0 0 * * 0', { registry: 'registry.local:5000' }],
    ]);
    assertNoSecrets(c, ['Hub-Pull-Secret', 'Harbor-Push-Secret', 'robot$push', 'Api-Token-Secret']);
    assert.equal(c.loaded.config.tasks?.length, 2);
  });
});

test("'load --registry HOST' converts that registry only, as a one-off task", () => {
  const c = convert('picture-book', ['picture-book/all-options.yaml'], ['picture-book', 'load', '--registry', 'registry.local:5000']);
  assert.deepEqual(c.data.tasks.map((t) => [t.name, t.schedule, t['run-on-start']]), [['registry.local:5000', undefined, undefined]]);
  assert.deepEqual(droppedPaths(c), ['registries[1].colour']);
  assert.throws(() => convert('picture-book', ['picture-book/all-options.yaml'], ['load', '--registry', 'nowhere']), /no registry 'nowhere'/);
});
