import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseRange } from './semver-range.js';
import { compareVersions, parseTolerant, parseVersion, type SemVersion } from './semver.js';

// Expectations checked against github.com/blang/semver v4.0.0 (the version dregsy uses).

function show(v: SemVersion): string {
  const pre = v.pre.length > 0 ? `-${v.pre.join('.')}` : '';
  const build = v.build.length > 0 ? `+${v.build.join('.')}` : '';
  return `${v.major}.${v.minor}.${v.patch}${pre}${build}`;
}

function tolerant(s: string): string {
  const r = parseTolerant(s);
  return r.ok ? show(r.version) : `error: ${r.error}`;
}

describe('parseTolerant (how dregsy reads tags)', () => {
  const cases: [tag: string, read: string][] = [
    ['1.31', '1.31.0'],
    ['1', '1.0.0'],
    ['v1.32.0', '1.32.0'],
    [' 1.2.3 ', '1.2.3'],
    ['1.31.1-musl', '1.31.1-musl'],
    ['01.02.03', '1.2.3'],
    ['1.0.0+build.1', '1.0.0+build.1'],
    ['2.0.0-rc1', '2.0.0-rc1'],
    ['1.2.-rc', '1.2.0-rc'], // a part starting with no digit gets a 0
    ['1.31-alpine', 'error: Short version cannot contain PreRelease/Build meta data'],
    ['latest', 'error: Invalid character(s) found in major number "0latest"'],
    ['V1.0.0', 'error: Invalid character(s) found in major number "0V1"'],
    ['vv1.0.0', 'error: Invalid character(s) found in major number "0v1"'],
    ['1.2.3.4', 'error: Invalid character(s) found in patch number "3.4"'],
    ['1.0.0-01', 'error: Numeric PreRelease version must not contain leading zeroes "01"'],
    ['1..3', 'error: strconv.ParseUint: parsing "": invalid syntax'],
    ['18446744073709551616.0.0', 'error: strconv.ParseUint: parsing "18446744073709551616": value out of range'],
    ['18446744073709551615.0.0', '18446744073709551615.0.0'],
    ['1.0.0-', 'error: Prerelease is empty'],
    ['1.0.0+', 'error: Build meta data is empty'],
    ['1.0.0-a_b', 'error: Invalid character(s) found in prerelease "a_b"'],
  ];
  for (const [tag, read] of cases) {
    test(`${JSON.stringify(tag)} → ${read}`, () => assert.equal(tolerant(tag), read));
  }
});

describe('parseVersion (strict, for range bounds)', () => {
  const cases: [text: string, read: string][] = [
    ['1.2.3', '1.2.3'],
    ['', 'error: Version string empty'],
    ['1.2', 'error: No Major.Minor.Patch elements found'],
    ['v1.2.3', 'error: Invalid character(s) found in major number "v1"'],
    ['01.2.3', 'error: Major number must not contain leading zeroes "01"'],
    ['1.02.3', 'error: Minor number must not contain leading zeroes "02"'],
    ['1.2.03', 'error: Patch number must not contain leading zeroes "03"'],
  ];
  for (const [text, read] of cases) {
    test(`${JSON.stringify(text)} → ${read}`, () => {
      const r = parseVersion(text);
      assert.equal(r.ok ? show(r.version) : `error: ${r.error}`, read);
    });
  }
});

test('compareVersions: prereleases sort below the release, numbers below strings, build ignored', () => {
  const ordered = ['1.0.0-1', '1.0.0-2', '1.0.0-10', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0', '1.0.1', '1.1.0', '2.0.0'];
  for (let i = 1; i < ordered.length; i++) {
    const a = parseVersion(ordered[i - 1] ?? '');
    const b = parseVersion(ordered[i] ?? '');
    assert.ok(a.ok && b.ok);
    assert.equal(compareVersions(a.version, b.version), -1, `${ordered[i - 1]} < ${ordered[i]}`);
    assert.equal(compareVersions(b.version, a.version), 1);
  }
  const x = parseVersion('1.0.0+a');
  const y = parseVersion('1.0.0+b');
  assert.ok(x.ok && y.ok);
  assert.equal(compareVersions(x.version, y.version), 0);
});

describe('parseRange over a registry tag list', () => {
  const listed = ['1.30.0', '1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc', 'v1.32.0', '2.0.0-rc1', 'latest', 'edge', '1.31-alpine', '3.19-alpine'];
  const cases: [range: string, selected: string[]][] = [
    // the README / e2e example: prereleases are in range, `1.31` reads as 1.31.0
    ['>=1.31.0 <1.31.9', ['1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc']],
    [' >=1.31.0 <1.31.9', ['1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc']],
    ['>= 1.31.0 < 1.31.9', ['1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc']],
    ['<1.31.0 || >=2.0.0-rc1', ['1.30.0', '2.0.0-rc1']],
    ['>1.0.0 <3.0.0 !1.31.0', ['1.30.0', '1.31.1-musl', '1.31.1-glibc', 'v1.32.0', '2.0.0-rc1']],
    ['<2.0.0', ['1.30.0', '1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc', 'v1.32.0', '2.0.0-rc1']],
    ['>=1.32.0', ['v1.32.0', '2.0.0-rc1']],
    ['1.31.0', ['1.31.0', '1.31']],
    ['=1.31.0', ['1.31.0', '1.31']],
    ['==1.31.0', ['1.31.0', '1.31']],
    ['!1.31.0', ['1.30.0', '1.31.1-musl', '1.31.1-glibc', 'v1.32.0', '2.0.0-rc1']],
    // wildcards
    ['1.31.x', ['1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc']],
    ['>1.31.x', ['v1.32.0', '2.0.0-rc1']],
    ['>=1.31.x', ['1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc', 'v1.32.0', '2.0.0-rc1']],
    ['<1.31.x', ['1.30.0']],
    ['<=1.31.x', ['1.30.0', '1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc']],
    ['1.x', ['1.30.0', '1.31.0', '1.31', '1.31.1-musl', '1.31.1-glibc', 'v1.32.0', '2.0.0-rc1']],
    // blang quirks kept: != on a wildcard ANDs both sides, 1.x.x is a patch wildcard,
    // an unknown operator before a wildcard is dropped, a lone `!` is a dropped 1-char piece
    ['!=1.31.x', []],
    ['1.x.x', []],
    ['~1.31.x', ['1.31.0', '1.31']],
    ['! 1.31.0', ['1.31.0', '1.31']],
  ];
  for (const [text, selected] of cases) {
    test(`${JSON.stringify(text)}`, () => {
      const r = parseRange(text);
      assert.ok(r.ok, r.ok ? '' : r.error);
      const got = listed.filter((t) => {
        const v = parseTolerant(t);
        return v.ok && r.range(v.version);
      });
      assert.deepEqual(got, selected);
    });
  }
});

describe('parseRange errors', () => {
  const cases: [range: string, error: string][] = [
    ['>=1.2', 'Could not parse Range ">=1.2": Could not parse version "1.2" in ">=1.2": No Major.Minor.Patch elements found'],
    ['>=x.y', 'Could not get version from string: ">=x.y"'],
    ['>=v1.0.0', 'Could not parse Range ">=v1.0.0": Could not parse comparator ">=v" in ">=v1.0.0"'],
    ['~1.2.3', 'Could not parse Range "~1.2.3": Could not parse comparator "~" in "~1.2.3"'],
    ['', "Last element in range is '||'"],
    [' 1', "Last element in range is '||'"], // one-character pieces are dropped
    ['|| 1.0.0', "First element in range is '||'"],
    ['1.0.0 ||', "Last element in range is '||'"],
    // blang accepts this and then crashes dregsy on the first tag outside 1.0.0
    ['1.0.0 || || 2.0.0', "Could not parse Range: nothing between two '||'"],
  ];
  for (const [text, error] of cases) {
    test(`${JSON.stringify(text)}`, () => assert.deepEqual(parseRange(text), { ok: false, error }));
  }
});

test('property: a version is in the range made of itself, and in >= itself', () => {
  const part = fc.bigInt({ min: 0n, max: 99999n });
  fc.assert(
    fc.property(part, part, part, fc.constantFrom('', '-rc1', '-musl', '-1.alpha'), (a, b, c, pre) => {
      const text = `${a}.${b}.${c}${pre}`;
      const v = parseVersion(text);
      const eq = parseRange(text);
      const ge = parseRange(`>= ${text}`);
      return v.ok && eq.ok && ge.ok && eq.range(v.version) && ge.range(v.version) && show(v.version) === text;
    }),
  );
});
