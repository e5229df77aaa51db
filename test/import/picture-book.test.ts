/**
 * picture-book → dregsy: the README's config.yaml (seed document) and one with every key.
 * The image list comes from a script, which dregsy cannot run yet: tasks have their target,
 * credentials and schedule, and no mappings, and the script is listed as not converted.
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
        source: { registry: 'docker.io', auth: '${DREGSY_AUTH_DOCKER_IO}' },
        target: { registry: 'my-registry.com', auth: '${DREGSY_AUTH_MY_REGISTRY_COM}' },
        mappings: [],
      },
    ]);
  });

  test('left out: the HTTP API, the script and the prefix of its images', () => {
    assert.deepEqual(droppedPaths(c), ['registries[0].repository', 'registries[0].syncerScript', 'api']);
  });

  test('the credentials (user:password) and the API token stay out', () => {
    assertNoSecrets(c, ['testpassword', 'testuser', 'this-is-a-token']);
    assert.equal(c.loaded.config.tasks?.length, 1);
  });
});

describe('every picture-book key', () => {
  const c = convert('picture-book', ['picture-book/all-options.yaml']);

  test('left out, exactly', () => {
    assert.deepEqual(droppedPaths(c), [
      'registries[0].repository',
      'registries[0].syncerScript',
      'registries[0].syncerScriptArgs',
      'registries[0].deleteLocalImages',
      'registries[1].syncerScript',
      'registries[1].colour',
    ]);
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
  assert.deepEqual(droppedPaths(c), ['registries[1].syncerScript', 'registries[1].colour']);
  assert.throws(() => convert('picture-book', ['picture-book/all-options.yaml'], ['load', '--registry', 'nowhere']), /no registry 'nowhere'/);
});
