import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileGoRegex, compileInvertible, GoRegex, GoRegexError } from './go-regex.js';

// Every expectation below was checked against Go's regexp package (Go 1.19 locally, plus
// Go 1.24's reading of `(?<`), the version dregsy 0.5.2 is built with.

describe('compileGoRegex: Go meaning where JS differs', () => {
  const cases: [expr: string, anchored: boolean, input: string, matches: boolean][] = [
    // Go's \s is [\t\n\f\r ]: no \v, no Unicode spaces
    ['\\s', false, '\v', false],
    ['\\s', false, '\u00a0', false],
    ['\\s', false, '\f', true],
    ['[[:space:]]', false, '\v', true],
    // . stops at \n only (JS also stops at \r and U+2028)
    ['a.b', false, 'a\nb', false],
    ['a.b', false, 'a\rb', true],
    ['a.b', false, 'a\u2028b', true],
    ['(?s)a.b', false, 'a\nb', true],
    // Perl classes are ASCII
    ['\\d', false, '\u0663', false],
    ['\\w', false, 'é', false],
    ['\\pL', false, 'é', true],
    ['\\p{Greek}+', true, 'Ωμ', true],
    ['\\p{^Greek}', true, 'Ω', false],
    ['\\PL', true, '1', true],
    // POSIX classes inside brackets
    ['[[:digit:]]+', true, '2024', true],
    ['[[:alpha:]]+', true, 'abC', true],
    ['[[:alpha:]]+', true, 'ab1', false],
    ['[[:^digit:]]+', true, 'ab', true],
    ['[[:word:][:punct:]]+', true, 'a_b-c.', true],
    ['[\\d-z]+', true, '1-z', true],
    ['[]a]+', true, ']a', true],
    ['[^a]', false, '\n', true],
    // named groups, flags, escapes
    ['(?P<major>\\d+)\\.(?<minor>\\d+)', true, '1.31', true],
    ['(?i)latest', true, 'LATEST', true],
    ['(?i:latest)', true, 'Latest', true],
    ['(?m)^b$', false, 'a\nb\nc', true],
    ['^b$', false, 'a\nb\nc', false],
    ['\\Aabc\\z', false, 'abc', true],
    ['\\Aabc\\z', false, 'abc\n', false],
    ['\\x41\\x{42}\\103', true, 'ABC', true],
    ['\\10', true, '\b', true],
    ['\\Q1.2*\\E', true, '1.2*', true],
    ['\\Q1.2*\\E', true, '1.22', false],
    ['a\\_\\-\\~', true, 'a_-~', true],
    // `{` that is no repeat is a literal; `^*` is valid in Go
    ['a{,3}', true, 'a{,3}', true],
    ['a{01}', true, 'a{01}', true],
    ['^*x', false, 'x', true],
    ['\\bx\\b', false, 'a x b', true],
    ['\\bé', false, 'é', false],
    // the U flag swaps greediness
    ['(?U)a+', true, 'aaa', true],
  ];
  for (const [expr, anchored, input, matches] of cases) {
    test(`${JSON.stringify(expr)}${anchored ? ' (anchored)' : ''} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(input)}`, () => {
      assert.equal(compileGoRegex(expr, anchored).test(input), matches);
    });
  }
});

describe("anchoring is dregsy's text rule: ^ and $ added unless already there", () => {
  test('full-line match', () => {
    const re = compileGoRegex('task-a', true);
    assert.equal(re.source, '^task-a$');
    assert.equal(re.test('task-a'), true);
    assert.equal(re.test('task-abc'), false);
  });
  test('an existing ^ or $ is kept, not doubled', () => {
    assert.equal(compileGoRegex('^a', true).source, '^a$');
    assert.equal(compileGoRegex('a$', true).source, '^a$');
    assert.equal(compileGoRegex('', true).source, '^$');
  });
  test('an alternation is not grouped: ^a|b$ means "starts with a or ends with b", as in dregsy', () => {
    const re = compileGoRegex('1\\.31|1\\.32', true);
    assert.equal(re.test('1.31-alpine'), true);
    assert.equal(re.test('v1.32'), true);
    assert.equal(re.test('v1.31'), false);
  });
  test('a trailing backslash becomes the literal \\$', () => {
    assert.equal(compileGoRegex('a\\', true).test('a$'), true);
  });
});

describe("invalid expressions: Go's messages", () => {
  const cases: [expr: string, message: string][] = [
    ['a(b', 'missing closing ): `a(b`'],
    ['a)', 'unexpected ): `a)`'],
    ['[a', 'missing closing ]: `[a`'],
    ['[]', 'missing closing ]: `[]`'],
    ['a\\', 'trailing backslash at end of expression: ``'],
    ['*a', 'missing argument to repetition operator: `*`'],
    ['a|*', 'missing argument to repetition operator: `*`'],
    ['(?i)*', 'missing argument to repetition operator: `*`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a*?+', 'invalid nested repetition operator: `*?+`'],
    ['x*+', 'invalid nested repetition operator: `*+`'],
    ['a{2}*', 'invalid nested repetition operator: `{2}*`'],
    ['{2}', 'missing argument to repetition operator: `{2}`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['a{3,2}', 'invalid repeat count: `{3,2}`'],
    ['(a{1000}){1000}', 'invalid repeat count: `{1000}`'],
    ['\\1', 'invalid escape sequence: `\\1`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['\\18', 'invalid escape sequence: `\\1`'],
    ['\\8', 'invalid escape sequence: `\\8`'],
    ['\\Z', 'invalid escape sequence: `\\Z`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['a\\E', 'invalid escape sequence: `\\E`'],
    ['[\\b]', 'invalid escape sequence: `\\b`'],
    ['[a-\\d]', 'invalid escape sequence: `\\d`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['\\xZ', 'invalid escape sequence: `\\xZ`'],
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?P=a)', 'invalid or unsupported Perl syntax: `(?P`'],
    ['(?x)a', 'invalid or unsupported Perl syntax: `(?x`'],
    ['(?i-)a', 'invalid or unsupported Perl syntax: `(?i-)`'],
    ['(?i', 'invalid or unsupported Perl syntax: `(?i`'],
    // Go 1.22+ reads `(?<` as a named group, so lookbehinds fail as names
    ['(?<=a)b', 'invalid named capture: `(?<=a)b`'],
    ['(?<!a)', 'invalid named capture: `(?<!a)`'],
    ['(?P<>a)', 'invalid named capture: `(?P<>`'],
    ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
    ['\\p', 'invalid character class range: `\\p`'],
  ];
  for (const [expr, message] of cases) {
    test(JSON.stringify(expr), () => {
      assert.throws(() => compileGoRegex(expr, false), (e: unknown) => {
        assert.ok(e instanceof GoRegexError);
        assert.equal(e.message, `error parsing regexp: ${message}`);
        return true;
      });
    });
  }
  test('anchored expressions are reported with the anchors, as dregsy shows them', () => {
    assert.throws(() => compileGoRegex('a(b', true), { message: 'error parsing regexp: missing closing ): `^a(b$`' });
  });
  test('a case-insensitive flag can cover part of the expression, as in Go', () => {
    assert.equal(compileGoRegex('a(?i)b', true).test('aB'), true);
    assert.equal(compileGoRegex('a(?i)b', true).test('AB'), false);
    assert.equal(compileGoRegex('(?i:a)b', true).test('Ab'), true);
    assert.equal(compileGoRegex('(?i:a)b', true).test('AB'), false);
    assert.equal(compileGoRegex('(?i)a(?-i)1', true).test('A1'), true); // digits do not fold
    assert.equal(compileGoRegex('(?i:ab)', true).test('AB'), true);
  });
});

describe("replaceAll: Go's ReplaceAllString", () => {
  const cases: [expr: string, input: string, template: string, expected: string][] = [
    ['a*', 'baaac', '-', '-b-c-'], // the empty match right after "aaa" is skipped
    ['a*', '', '-', '-'],
    ['', 'ab', '-', '-a-b-'],
    ['é*', 'aéb', '-', '-a-b-'],
    ['x*', 'abc', '[$0]', '[]a[]b[]c[]'],
    ['a|', 'aab', 'X', 'XXbX'],
    ['(a)(b)?', 'ab a', '<$1$2>', '<ab> <a>'],
    ['(a)', 'a', '$1x', ''], // `$1x` is the group named "1x"
    ['(a)', 'a', '${1}x', 'ax'],
    ['(a)', 'a', '$$1', '$1'],
    ['(a)', 'a', '$', '$'],
    ['(a)', 'a', '$}', '$}'],
    ['(a)', 'a', '${1', '${1'],
    ['(a)', 'a', '${}', '${}'],
    ['(a)', 'a', '$9', ''],
    ['(a)', 'a', '$01', ''], // a leading zero makes it a name
    ['(a)', 'a', '$1é', ''], // names are Unicode letters and digits
    ['(?P<n>a)', 'a', '$n-${n}-$nn', 'a-a-'],
    ['(?P<1x>a)', 'a', '$1x', 'a'],
    ['(?P<a>x)?(?P<a>y)', 'y', '[$a]', '[y]'], // repeated name: the first that took part
    ['(?i)ABC', 'xabcx', '!', 'x!x'],
    ['$', 'ab', '!', 'ab!'],
    ['^', 'ab', '!', '!ab'],
    ['\\b', 'ab cd', '|', '|ab| |cd|'],
    ['(?m)^', 'a\nb', '>', '>a\n>b'],
    ['(?m)$', 'a\nb\n', '<', 'a<\nb<\n<'],
    ['(?U)a+', 'aaa', 'x', 'xxx'],
    ['(?U)a+?', 'aaa', 'x', 'x'],
    ['my(.+)/', '/myproject/webui', 'from-dh/your$1/', '/from-dh/yourproject/webui'],
  ];
  for (const [expr, input, template, expected] of cases) {
    test(`${JSON.stringify(expr)} on ${JSON.stringify(input)} with ${JSON.stringify(template)}`, () => {
      assert.equal(compileGoRegex(expr, false).replaceAll(input, template), expected);
    });
  }
  test('named groups by ${name}, written either way Go accepts', () => {
    assert.equal(compileGoRegex('(?<v>\\d+)', false).replaceAll('v1 v22', '<${v}>'), 'v<1> v<22>');
    assert.equal(compileGoRegex('(?P<v>\\d+)', false).replaceAll('v1 v22', '<$v>'), 'v<1> v<22>');
  });
});

describe('compileInvertible (dregsy util.NewRegex)', () => {
  test('trimmed, anchored, ! inverts', () => {
    const r = compileInvertible('  !.*-rc[0-9]+ ');
    assert.equal(r.inverted, true);
    assert.equal(r.regex.source, '^.*-rc[0-9]+$');
    assert.equal(r.test('2.0.0-rc1'), false);
    assert.equal(r.test('2.0.0'), true);
    assert.equal(compileInvertible('1\\.31').test('1.31.1'), false);
  });
  test('! followed by nothing inverts the empty expression: every non-empty text', () => {
    const r = compileInvertible('!');
    assert.equal(r.test(''), false);
    assert.equal(r.test('x'), true);
  });
});

test('group names are kept on the RegExp, whatever JS would accept as a name', () => {
  const re = compileGoRegex('(a)(?P<1x>b)(?P<n>c)(?P<n>d)', false);
  assert.ok(re instanceof GoRegex);
  assert.deepEqual(re.groupNames, [undefined, undefined, '1x', 'n', 'n']);
});

test('a name given twice stays a group name only where it is a group, not inside [] or \\Q…\\E', () => {
  const re = compileGoRegex('(?P<a>x)[(?P<a>)]+(?P<a>y)', false);
  assert.deepEqual(re.groupNames, [undefined, 'a', 'a']);
  assert.equal(re.test('x<y'), true);
  assert.equal(re.test('xzy'), false);
  assert.equal(re.replaceAll('x<y', '[$a]'), '[x]');
  const quoted = compileGoRegex('\\Q(?P<a>\\E(?P<a>y)', false);
  assert.equal(quoted.replaceAll('(?P<a>y', '[$a]'), '[y]');
  assert.throws(() => compileGoRegex('(?P<a>x)(?P<a>y)(', false), { message: 'error parsing regexp: missing closing ): `(?P<a>x)(?P<a>y)(`' });
});

test('matching takes time linear in the input: a pattern that backtracks for ever elsewhere', () => {
  // A backtracking engine needs about 2^n steps for `(a+)+$` on n a's and a `!`; at n = 30
  // the old JS translation took 5 s for one tag.
  const re = compileGoRegex('(a+)+', true);
  const started = process.hrtime.bigint();
  assert.equal(re.test(`${'a'.repeat(50_000)}!`), false);
  assert.equal(re.replaceAll(`${'a'.repeat(5_000)}!`, 'x'), `${'a'.repeat(5_000)}!`);
  assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 5);
});

test('lone surrogates (from a JSON tag list) are matched, not thrown on', () => {
  assert.equal(compileGoRegex('a.b', true).test('a\udc00b'), true);
});

/** Go's regexp.QuoteMeta. */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

test('property: a quoted literal matches exactly itself', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (s, other) => {
      const re = compileGoRegex(quoteMeta(s), true);
      return re.test(s) && re.test(other) === (other === s);
    }),
  );
});

test('property: replacing a literal equals split/join', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 3 }), fc.string(), (needle, hay) => {
      const input = hay.split('').join(needle);
      return compileGoRegex(quoteMeta(needle), false).replaceAll(input, '$$') === input.split(needle).join('$');
    }),
  );
});
