import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiPathPrefix, apiVersionBelow, isPlainRemoteTcp, parseDockerHost, type EngineAddress } from './docker-host.js';

test('docker hosts as dregsy takes them: unix socket or plain TCP', () => {
  assert.deepEqual(parseDockerHost('unix:///var/run/docker.sock'), { origin: 'http://localhost', socketPath: '/var/run/docker.sock' });
  assert.deepEqual(parseDockerHost('tcp://dind:2375'), { origin: 'http://dind:2375', socketPath: undefined });
  assert.deepEqual(parseDockerHost('tcp://10.0.0.5'), { origin: 'http://10.0.0.5:2375', socketPath: undefined });
  assert.deepEqual(parseDockerHost('http://[::1]:2375/'), { origin: 'http://[::1]:2375', socketPath: undefined });
});

test('what we cannot use is refused with a reason', () => {
  for (const host of ['unix://relative.sock', 'https://dind:2376', 'ssh://me@host', '/var/run/docker.sock', 'tcp://h:99999']) {
    const r = parseDockerHost(host);
    assert.ok('error' in r, host);
    assert.match(r.error, new RegExp(host.replace(/[/.*:[\]]/g, '\\$&')));
  }
});

test('API versions', () => {
  assert.equal(apiPathPrefix('1.41'), '/v1.41');
  assert.equal(apiPathPrefix('v1.24'), '/v1.24');
  assert.equal(apiPathPrefix('latest'), undefined);
  assert.equal(apiVersionBelow('1.40', '1.41'), true);
  assert.equal(apiVersionBelow('1.9', '1.41'), true);
  assert.equal(apiVersionBelow('1.43', '1.41'), false);
  assert.equal(apiVersionBelow('1.41', '1.41'), false);
});

test('plain TCP to another host is what exposes X-Registry-Auth; a socket or loopback does not', () => {
  const remote = (host: string) => isPlainRemoteTcp(parseDockerHost(host) as EngineAddress);
  for (const host of ['tcp://dind:2375', 'tcp://10.0.0.5:2375', 'http://docker.example.com', 'tcp://[fd00::1]:2375']) assert.equal(remote(host), true, host);
  for (const host of ['unix:///var/run/docker.sock', 'tcp://127.0.0.1:2375', 'tcp://127.0.1.1', 'tcp://localhost:2375', 'http://[::1]:2375']) assert.equal(remote(host), false, host);
});
