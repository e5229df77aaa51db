import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCKER_HUB_SERVER, lookupDockerConfig, parseHelperOutput, readDockerConfigJson, type DockerConfigFile } from './docker-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('looks up a registry as the docker CLI does: credHelpers, then credsStore, then auths', () => {
  const config: DockerConfigFile = {
    auths: {
      'reg.example.com:5000': { auth: b64('u:p:w') },
      'https://other.example.com/v2/': { username: 'o', password: 'op' },
      [DOCKER_HUB_SERVER]: { auth: b64('hub:hp') },
      'ghcr.io': {},
    },
    credHelpers: { 'gcr.io': 'gcloud', '123456789012.dkr.ecr.eu-west-1.amazonaws.com': 'ecr-login' },
  };
  const cases: Array<[string, unknown]> = [
    ['reg.example.com:5000', { kind: 'static', credentials: { username: 'u', password: 'p:w' } }],
    ['reg.example.com', { kind: 'none' }],
    ['other.example.com', { kind: 'static', credentials: { username: 'o', password: 'op' } }],
    ['docker.io', { kind: 'static', credentials: { username: 'hub', password: 'hp' } }],
    ['registry.hub.docker.com', { kind: 'static', credentials: { username: 'hub', password: 'hp' } }],
    ['gcr.io', { kind: 'helper', helper: 'gcloud', serverUrl: 'gcr.io' }],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', { kind: 'helper', helper: 'ecr-login', serverUrl: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' }],
    ['ghcr.io', { kind: 'none' }],
  ];
  for (const [registry, want] of cases) assert.deepEqual(lookupDockerConfig(config, registry), want, registry);
  // A credsStore answers for every registry without its own helper; Docker Hub is asked by its URL.
  const store = { ...config, credsStore: 'desktop' };
  assert.deepEqual(lookupDockerConfig(store, 'docker.io'), { kind: 'helper', helper: 'desktop', serverUrl: DOCKER_HUB_SERVER });
  assert.deepEqual(lookupDockerConfig(store, 'gcr.io'), { kind: 'helper', helper: 'gcloud', serverUrl: 'gcr.io' });
});

test("a helper's answer: credentials, nothing for an identity token, errors that never echo it", () => {
  assert.deepEqual(parseHelperOutput('{"ServerURL":"r","Username":"u","Secret":"s"}'), { username: 'u', password: 's' });
  assert.equal(parseHelperOutput('{"ServerURL":"r","Username":"<token>","Secret":"refresh"}'), undefined);
  for (const bad of ['not json secret-value', '{"Secret":"secret-value"}']) {
    assert.throws(() => parseHelperOutput(bad), (e: unknown) => e instanceof Error && !e.message.includes('secret-value'));
  }
});

test("config.json and helper answers are read as Go reads them: keys in any case", () => {
  const config = readDockerConfigJson({
    Auths: { 'reg.example.com': { Username: 'u', PASSWORD: 'p' }, 'other.example.com': { AUTH: Buffer.from('o:q').toString('base64') } },
    CredHelpers: { 'helped.example.com': 'pass' },
    credsstore: 'desktop',
  });
  assert.deepEqual(config, {
    auths: { 'reg.example.com': { username: 'u', password: 'p' }, 'other.example.com': { auth: Buffer.from('o:q').toString('base64') } },
    credHelpers: { 'helped.example.com': 'pass' },
    credsStore: 'desktop',
  });
  assert.deepEqual(lookupDockerConfig({ ...config, credsStore: undefined }, 'reg.example.com'), { kind: 'static', credentials: { username: 'u', password: 'p' } });
  assert.deepEqual(parseHelperOutput('{"serverurl":"x","username":"u","secret":"s"}'), { username: 'u', password: 's' });
});
