import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextLink, parseChallenge, parseParams } from './challenge.js';

test('Bearer challenges with quoted values, commas inside quotes and any case', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"'), {
    scheme: 'bearer',
    realm: 'https://auth.example.com/token',
    service: 'registry.example.com',
    scope: 'repository:a/b:pull,push',
  });
  assert.deepEqual(parseChallenge('bearer realm=http://127.0.0.1:1/t'), { scheme: 'bearer', realm: 'http://127.0.0.1:1/t', service: undefined, scope: undefined });
});

test('Basic challenges; unknown or broken ones are undefined', () => {
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic' });
  assert.equal(parseChallenge('Bearer service="x"'), undefined, 'no realm');
  assert.equal(parseChallenge('Negotiate abc'), undefined);
  assert.equal(parseChallenge(undefined), undefined);
  assert.equal(parseChallenge(''), undefined);
});

test('params keep escaped quotes', () => {
  assert.equal(parseParams('a="x\\"y", b=z').get('a'), 'x"y');
  assert.equal(parseParams('a="x\\"y", b=z').get('b'), 'z');
});

test('Link headers: the next URL, or nothing on the last page', () => {
  assert.equal(nextLink('</v2/_catalog?last=b&n=2>; rel="next"'), '/v2/_catalog?last=b&n=2');
  assert.equal(nextLink('<https://h/v2/x?a=1>; rel="prev", <https://h/v2/y?b=2>; rel="next"'), 'https://h/v2/y?b=2');
  assert.equal(nextLink('<https://h/v2/x>; rel="prev"'), undefined);
  assert.equal(nextLink(undefined), undefined);
});
