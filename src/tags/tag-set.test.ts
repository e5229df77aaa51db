import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ImageRef } from '../relay/relay.js';
import { compileInvertible } from '../regex/go-regex.js';
import { expandTagSet, KEEP_LATEST, needsTagList, parseTagSet, toImageRef, type TagSet } from './tag-set.js';

const REGISTRY = ['1.30.0', '1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc', 'v1.32.0', '2.0.0-rc1', 'latest', 'edge', '1.31-alpine', '3.19-alpine'];

function parse(tags: readonly string[] | null | undefined): TagSet {
  const r = parseTagSet(tags);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  return r.set;
}

function show(ref: ImageRef): string {
  return ref.tag !== undefined && ref.digest !== undefined ? `${ref.tag}@${ref.digest}` : (ref.tag ?? ref.digest ?? '');
}

/** What dregsy would sync for `tags` from a repository listing `listed`. */
function expand(tags: readonly string[] | null | undefined, listed: readonly string[] = REGISTRY): string[] {
  const set = parse(tags);
  return expandTagSet(set, needsTagList(set) ? listed : undefined).map(show);
}

describe('expandTagSet', () => {
  const cases: [what: string, tags: string[] | null, listed: string[], expected: string[]][] = [
    [
      'README example: semver + regex + verbatim, ORed',
      ['semver: >=1.31.0 <1.31.9', 'regex: 1\\.26\\.[0-9]-(glibc|uclibc|musl)', '1.29.4', 'latest'],
      [...REGISTRY, '1.26.1-musl', '1.26.2-uclibc', '1.26.10-glibc', '1.26.3'],
      ['1.26.1-musl', '1.26.2-uclibc', '1.29.4', '1.31', '1.31.0', '1.31.1-glibc', '1.31.1-musl', 'latest'],
    ],
    [
      'e2e TestE2ESkopeoTagSetsRange: prereleases and short versions are in range',
      ['semver: >=1.31.0 <1.31.9', 'latest'],
      REGISTRY,
      ['1.31', '1.31.0', '1.31.1-glibc', '1.31.1-musl', 'latest'],
    ],
    [
      'no tags: every listed tag, in Go string order',
      null,
      REGISTRY,
      ['1.30.0', '1.31', '1.31-alpine', '1.31.0', '1.31.1-glibc', '1.31.1-musl', '2.0.0-rc1', '3.19-alpine', 'edge', 'latest', 'v1.32.0'],
    ],
    ['semver and regex filters are ORed', ['semver: >=2.0.0-rc1', 'regex: .*-alpine'], REGISTRY, ['1.31-alpine', '2.0.0-rc1', '3.19-alpine']],
    [
      'keep: filters are ANDed and prune the selection',
      ['semver: >=1.31.0', 'keep: .*-.*', 'keep: !.*-rc.*'],
      REGISTRY,
      ['1.31.1-glibc', '1.31.1-musl'],
    ],
    ['keep: never prunes verbatim tags', ['regex: 1\\.31.*', 'keep: .*-musl', 'latest', 'edge'], REGISTRY, ['1.31.1-musl', 'edge', 'latest']],
    ['a set of only keep: filters starts from all tags', ['keep: .*-alpine'], REGISTRY, ['1.31-alpine', '3.19-alpine']],
    ['verbatim tags only: the list is not read', ['latest', 'edge', 'not-listed'], REGISTRY, ['edge', 'latest', 'not-listed']],
    ['verbatim tags with a keep: filter: nothing to prune', ['latest', 'keep: nope'], REGISTRY, ['latest']],
    ['! inverts a regex filter', ['regex: !.*-alpine'], REGISTRY, ['1.30.0', '1.31', '1.31.0', '1.31.1-glibc', '1.31.1-musl', '2.0.0-rc1', 'edge', 'latest', 'v1.32.0']],
    ['the ! must come first: "! x" inverts " x"', ['regex:   ! latest'], ['latest', 'edge'], ['edge', 'latest']],
    ['anchoring is textual: ^a|b$', ['regex: 1\\.30|alpine'], REGISTRY, ['1.30.0', '1.31-alpine', '3.19-alpine']],
    ['items are trimmed', ['  latest  ', '  semver: >=2.0.0-rc1  '], REGISTRY, ['2.0.0-rc1', 'latest']],
    ['filters that select nothing', ['semver: >=9.0.0', 'regex: nothing'], REGISTRY, []],
    [
      'keep: latest N keeps the N highest versions and every non-version',
      ['keep: latest 2'],
      REGISTRY,
      ['1.31-alpine', '2.0.0-rc1', '3.19-alpine', 'edge', 'latest', 'v1.32.0'],
    ],
    [
      'keep: latest N without any version keeps the N last in string order',
      ['regex: .*-alpine', 'regex: [a-z]+', 'keep: latest 3'],
      REGISTRY,
      ['3.19-alpine', 'edge', 'latest'],
    ],
    [
      'keep: latest N, the last one wins',
      ['semver: >=1.0.0', 'keep: latest 1', 'keep: latest 3'],
      REGISTRY,
      ['1.31.1-musl', '2.0.0-rc1', 'v1.32.0'],
    ],
    ['keep: latest 0 is no limit', ['semver: >=1.31.1-a', 'keep: latest 0'], REGISTRY, ['1.31.1-glibc', '1.31.1-musl', '2.0.0-rc1', 'v1.32.0']],
    ['keep: latest N counts verbatim versions too', ['3.0.0', 'semver: >=1.32.0', 'keep: latest 2'], REGISTRY, ['2.0.0-rc1', '3.0.0']],
    ['equal versions: the first in string order is kept', ['semver: =1.31.0', 'keep: latest 1'], REGISTRY, ['1.31']],
    ['keep: latest N is applied after keep: filters', ['keep: .*-.*', 'keep: latest 1'], REGISTRY, ['1.31-alpine', '2.0.0-rc1', '3.19-alpine']],
  ];
  for (const [what, tags, listed, expected] of cases) {
    test(what, () => assert.deepEqual(expand(tags, listed), expected));
  }
});

describe('digests and references', () => {
  test('sha256: is a digest, name@digest both; duplicates removed; never listed', () => {
    const set = parse(['sha256:abc', 'v1@sha256:def', ':v2', 'v2', 'v3@', 'latest']);
    assert.equal(needsTagList(set), false);
    assert.deepEqual(expandTagSet(set, undefined), [
      { tag: 'v2' },
      { tag: 'latest' },
      { digest: 'sha256:abc' },
      { tag: 'v1', digest: 'sha256:def' },
      { tag: 'v3' },
    ]);
  });
  const cases: [item: string, ref: ImageRef][] = [
    ['sha256:abc', { digest: 'sha256:abc' }],
    ['md5:abc', { tag: 'md5:abc' }], // only the sha256: prefix marks a digest
    ['v1@sha256:abc', { tag: 'v1', digest: 'sha256:abc' }],
    ['@sha256:abc', { digest: 'sha256:abc' }],
    ['v1@md5:x', { tag: 'v1', digest: 'md5:x' }], // after @ anything counts as the digest
    [':v1', { tag: 'v1' }],
    ['', { tag: '' }], // fails at copy time, as in dregsy
  ];
  for (const [item, ref] of cases) {
    test(`${JSON.stringify(item)} → ${JSON.stringify(ref)}`, () => assert.deepEqual(toImageRef(item), ref));
  }
});

describe('needsTagList (dregsy NeedsExpansion)', () => {
  const cases: [tags: string[] | undefined, needed: boolean][] = [
    [undefined, true],
    [[], true],
    [['keep: .*'], true],
    [['keep: latest 3'], true],
    [['latest'], false],
    [['latest', 'keep: .*'], false],
    [['sha256:abc'], false],
    [['latest', 'semver: >=1.0.0'], true],
    [['latest', 'regex: .*'], true],
  ];
  for (const [tags, needed] of cases) {
    test(`${JSON.stringify(tags)} → ${needed}`, () => assert.equal(needsTagList(parse(tags)), needed));
  }
});

describe('parseTagSet problems: every bad item, with its index', () => {
  test("dregsy's messages", () => {
    const r = parseTagSet([
      'latest',
      'semver: >=1.2',
      'regex: a(b',
      'keep: [z-a]',
      'semver: >=v1.0.0',
      'keep: latest\t3',
      'keep:\tlatest\t3',
      'keep: latest 99999999999999999999',
      'regex: (?=x)',
      'semver:',
    ]);
    const invalid = "'tags' uses invalid format: ";
    assert.deepEqual(r, {
      ok: false,
      problems: [
        { index: 1, message: `${invalid}Could not parse Range ">=1.2": Could not parse version "1.2" in ">=1.2": No Major.Minor.Patch elements found` },
        { index: 2, message: `${invalid}error parsing regexp: missing closing ): \`^a(b$\`` },
        { index: 3, message: `${invalid}error parsing regexp: invalid character class range: \`z-a\`` },
        { index: 4, message: `${invalid}Could not parse Range ">=v1.0.0": Could not parse comparator ">=v" in ">=v1.0.0"` },
        { index: 5, message: `${invalid}strconv.Atoi: parsing "latest\\t3": invalid syntax` },
        { index: 6, message: `${invalid}invalid keep count: keep:\tlatest\t3` },
        { index: 7, message: `${invalid}strconv.Atoi: parsing "99999999999999999999": value out of range` },
        { index: 8, message: `${invalid}error parsing regexp: invalid or unsupported Perl syntax: \`(?=\`` },
        { index: 9, message: `${invalid}Last element in range is '||'` },
      ],
    });
  });
  test('keep:latest without a space is a keep: regex, not a count', () => {
    const set = parse(['keep:latest 3']);
    assert.equal(set.keepLatest, 0);
    assert.equal(set.keep.length, 1);
  });
});

describe('properties', () => {
  const pool = ['1.0.0', '1.1', 'v2.0.0', '2.0.0-rc1', 'latest', 'edge', '3.1-alpine', 'x'];
  const items = [
    'latest',
    'edge',
    '9.9.9',
    'semver: >=1.1.0',
    'semver: <2.0.0 || >=3.0.0',
    'regex: .*-alpine',
    'regex: !v.*',
    'keep: .*\\..*',
    'keep: !edge',
    'keep: latest 2',
  ];
  const arbitrary = fc.tuple(fc.subarray(pool), fc.subarray(items));

  test('the result only holds listed or verbatim tags, sorted and without duplicates', () => {
    fc.assert(
      fc.property(arbitrary, ([listed, tags]) => {
        const set = parse(tags);
        const out = expandTagSet(set, listed).map(show);
        const allowed = new Set([...listed, ...set.verbatim]);
        return out.every((t) => allowed.has(t)) && new Set(out).size === out.length && out.join('\n') === [...out].sort().join('\n');
      }),
    );
  });

  test('keep: filters only remove tags, never verbatim ones', () => {
    fc.assert(
      fc.property(arbitrary, ([listed, tags]) => {
        const filters = tags.filter((t) => !t.startsWith('keep:'));
        const full = new Set(expand(tags, listed));
        const unpruned = new Set(expand(filters, listed));
        const verbatim = parse(tags).verbatim;
        const limited = parse(tags).keepLatest > 0;
        return [...full].every((t) => limited || unpruned.has(t)) && verbatim.every((v) => limited || full.has(v));
      }),
    );
  });
});

test('keep: latest N is recognised as dregsy\'s Go expression recognises it (the JavaScript twin agrees with RE2)', () => {
  const go = compileInvertible('keep:[[:space:]]+latest[[:space:]]+[[:digit:]]+');
  // near misses: the right shape, each part right or slightly wrong (any kind of white space or digit)
  const either = <T,>(right: T, ...wrong: T[]) => fc.oneof({ arbitrary: fc.constant(right), weight: 3 }, fc.constantFrom(...wrong));
  const space = fc.array(either(' ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u2028', '\u3000'), { minLength: 1, maxLength: 3 }).map((a) => a.join(''));
  const digits = fc.array(either('7', '0', '٣', '１', 'x'), { minLength: 1, maxLength: 3 }).map((a) => a.join(''));
  const shaped = fc
    .tuple(either('', ' ', '!'), either('keep:', 'keep', 'Keep:'), either(' ', ''), space, either('latest', 'Latest'), space, digits, either('', '\n', ' ', '\r\n'))
    .map((parts) => parts.join(''));
  fc.assert(fc.property(fc.oneof(shaped, fc.string()), (s) => KEEP_LATEST.test(s) === go.test(s)), { numRuns: 3000 });
});
