import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandTagSet, parseTagSet } from '../tags/tag-set.js';
import { convertConstraint, MASTERMINDS_PRERELEASE } from './semver-constraint.js';

const TAGS = ['0.0.3', '0.0.4', '0.2.3', '0.2.9', '0.3.0', '1.0', '1.2.3', '1.2.9', '1.3.0', '1.36.0', '1.36.1-rc1', '1.37', 'v2.0.0', '3.12.0', '3.12.1-rc1', '3.20', 'latest'];

function selects(items: string[]): string[] {
  const set = parseTagSet(items);
  assert.ok(set.ok, JSON.stringify(set));
  return expandTagSet(set.set, TAGS).map((r) => r.tag ?? '');
}

describe('regclient semverRange → dregsy semver:', () => {
  const cases: [string, string, string[]][] = [
    ['>=1.36 <2', '>=1.36.0 <2.0.0', ['1.36.0', '1.36.1-rc1', '1.37']],
    ['^1.2.3', '>=1.2.3 <2.0.0', ['1.2.3', '1.2.9', '1.3.0', '1.36.0', '1.36.1-rc1', '1.37']],
    ['^0.2.3', '>=0.2.3 <0.3.0', ['0.2.3', '0.2.9']],
    ['^0.0.3', '>=0.0.3 <0.0.4', ['0.0.3']],
    ['~1.2.3', '>=1.2.3 <1.3.0', ['1.2.3', '1.2.9']],
    ['~1', '>=1.0.0 <1.1.0', ['1.0']],
    ['1.2.3', '=1.2.3', ['1.2.3']],
    ['v3.12.0', '=3.12.0', ['3.12.0']],
  ];
  for (const [given, range, tags] of cases) {
    test(given, () => {
      const c = convertConstraint(given, 'regsync');
      assert.deepEqual(c, { ok: true, range, mentionsPrerelease: false });
      assert.deepEqual(selects([`semver: ${range}`]), tags);
    });
  }
  test('refused: || (not regclient syntax), four numbers', () => {
    assert.equal(convertConstraint('>=1 || <0.1', 'regsync').ok, false);
    assert.equal(convertConstraint('>=1.2.3.4', 'regsync').ok, false);
  });
});

describe('Masterminds (skopeo images-by-semver) → dregsy semver:', () => {
  const cases: [string, string][] = [
    ['>= 3.12.0', '>=3.12.0'],
    ['>=1.2, <1.3', '>=1.2.0 <1.3.0'],
    ['~1', '>=1.0.0 <2.0.0'],
    ['^0.0', '>=0.0.0 <0.1.0'],
    ['1.2.x', '>=1.2.0 <1.3.0'],
    ['1.2 - 1.3.0', '>=1.2.0 <=1.3.0'],
    ['<1.0.0 || >=3.12.0', '<1.0.0 || >=3.12.0'],
  ];
  for (const [given, range] of cases) {
    test(given, () => assert.deepEqual(convertConstraint(given, 'masterminds'), { ok: true, range, mentionsPrerelease: false }));
  }
  test('a partial version with > or <= or = is refused (Masterminds reads those differently)', () => {
    for (const c of ['>1.2', '<=1.2', '=1.2']) {
      const r = convertConstraint(c, 'masterminds');
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.reason : '', /partial version/);
    }
  });
  test('with the prerelease keep: filter, prereleases are out, as Masterminds leaves them out', () => {
    const c = convertConstraint('>= 3.12.0', 'masterminds');
    assert.ok(c.ok);
    assert.deepEqual(selects([`semver: ${c.range}`]), ['3.12.0', '3.12.1-rc1', '3.20']);
    assert.deepEqual(selects([`semver: ${c.range}`, `keep: !${MASTERMINDS_PRERELEASE}`]), ['3.12.0', '3.20']);
    assert.deepEqual(convertConstraint('>=1.0.0-rc1', 'masterminds'), { ok: true, range: '>=1.0.0-rc1', mentionsPrerelease: true });
  });
});
