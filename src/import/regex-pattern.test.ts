import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileGoRegex } from '../regex/go-regex.js';
import { parseTagSet, expandTagSet } from '../tags/tag-set.js';
import { anchoredPattern, anyOfAnchored, goRegexProblem, unanchoredPattern } from './regex-pattern.js';

const TAGS = ['3', '3.0', '3.1', '3.19', '30', 'latest', 'edge', 'v1$', 'a', 'b', 'ab', 'xa', 'bx', '!x', '1.13.1-alpine-perl', 'x1.13.2-alpine-perl', 'RC1', 'rc1'];

/** What dregsy's `regex:` filter selects, through dregsy's own tag-set code. */
function dregsySelects(item: string): string[] {
  const set = parseTagSet([item]);
  assert.ok(set.ok, `dregsy refuses ${item}`);
  return expandTagSet(set.set, TAGS)
    .map((r) => r.tag ?? '')
    .sort();
}

describe('anchoredPattern: dregsy regex: selects what regsync ^p$ selects', () => {
  for (const p of ['3', '3.\\d+', '3|edge', 'a|b', 'v1\\$', '^3.*', '3$', '!x', '(?i)rc1', '[ab]+']) {
    test(p, () => {
      const regsync = compileGoRegex(`^${p}$`, false);
      const expected = TAGS.filter((t) => regsync.test(t)).sort();
      assert.deepEqual(dregsySelects(`regex: ${anchoredPattern(p)}`), expected);
    });
  }
});

describe('unanchoredPattern: dregsy regex: selects what Go MatchString(p) selects', () => {
  for (const p of ['1\\.13\\.[12]-alpine-perl', '^1\\.13', 'perl$', '^3$', 'a|b', '^a|b$', '(?i)rc', '', 'v1\\$', 'x']) {
    test(p || '(empty)', () => {
      const go = compileGoRegex(p, false);
      const expected = TAGS.filter((t) => go.test(t)).sort();
      assert.deepEqual(dregsySelects(`regex: ${unanchoredPattern(p)}`), expected);
    });
  }
});

test('anyOfAnchored: one expression, each pattern anchored on its own', () => {
  const re = compileGoRegex(anyOfAnchored(['team-x/.*', 'infra|ops', 'a\\$']), true);
  const repos = ['team-x/app', 'x/team-x/app', 'infra', 'infra/app', 'my/ops', 'ops', 'a$', 'a'];
  // regsync: ^team-x/.*$, ^infra|ops$, ^a\$$
  assert.deepEqual(
    repos.filter((r) => re.test(r)),
    ['team-x/app', 'infra', 'infra/app', 'my/ops', 'ops', 'a$'],
  );
  assert.equal(anyOfAnchored(['team-x/.*']), 'team-x/.*');
});

test('goRegexProblem names Go syntax errors and passes valid ones', () => {
  assert.equal(goRegexProblem('3.\\d+'), undefined);
  assert.match(goRegexProblem('(unclosed') ?? '', /missing closing \)/);
  assert.notEqual(goRegexProblem('(?=lookahead)'), undefined);
});
