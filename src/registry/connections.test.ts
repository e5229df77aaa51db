import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isPlainPath } from './connections.js';

// A plain path is sent to undici as it is instead of as `new URL(url)` gives it back: the two
// must never differ, or a request would go to another path than before.
const asParsed = (path: string) => {
  const u = new URL(`https://registry.example:5000${path}`);
  return u.pathname + u.search;
};

test('a path taken as plain is exactly what URL parsing gives back', () => {
  const chars = fc.constantFrom(...'aZ09-._~!$()*+,;=:@%/?&#\'"<> \\^`{}|[]'.split(''), '%2e', '%2E', '..', '/.', '/..', '?', 'é');
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 24 }), (parts) => {
      const path = `/${parts.join('')}`;
      if (isPlainPath(path)) assert.equal(asParsed(path), path);
    }),
    { numRuns: 20_000 },
  );
});

test('what registry requests look like is plain; what parsing would change is not', () => {
  for (const path of ['/v2/', '/v2/team/app/manifests/v1.2.0', '/v2/a/manifests/sha256:0123abcd', '/v2/_catalog?n=100', '/v2/a/tags/list?n=100&last=v1.0', '/v1/search?q=a%20b&n=25&page=2', '/v2/a.b/blobs/uploads/?mount=sha256:ab&from=c/d']) {
    assert.equal(isPlainPath(path), true, path);
    assert.equal(asParsed(path), path);
  }
  for (const path of ['/v2/a/../b', '/v2/./a', '/v2/a/%2e%2E/b', '/v2/a?', '/v2/a b', '/v2/a#x', "/v2/a?q='", '/v2/é', 'v2/no-slash', '/v2/a\\b']) {
    assert.equal(isPlainPath(path), false, path);
  }
});
