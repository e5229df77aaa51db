import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RepoPair } from '../plan/plan.js';
import { isRepoSelection, mapPaths, parsePathMapping, sourceMappedTo, type PathMapping } from './path-mapping.js';

function parse(from: string, to?: string | null): PathMapping {
  const r = parsePathMapping(from, to);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  return r.mapping;
}

const REPOS = ['myproject/webui', 'myproject/api', 'other/webui', 'myproject', 'library/busybox'];

describe('plain from: one repository', () => {
  const cases: [from: string, to: string | null | undefined, target: string][] = [
    ['library/busybox', undefined, 'library/busybox'],
    ['library/busybox', null, 'library/busybox'],
    ['library/busybox', '', 'library/busybox'],
    ['/library/busybox', undefined, 'library/busybox'],
    ['test/image', 'archive/test/image', 'archive/test/image'], // README: to replaces the path
    ['test/image', '/archive/test/image', 'archive/test/image'],
    ['myproject/webui', 'regex:my(.+)/,from-dh/your$1/', 'from-dh/yourproject/webui'], // on "/myproject/webui"
    ['a/b', 'regex:^/a,c', 'c/b'],
    ['a/bxx', 'regex:x,', 'a/b'],
    ['a/b', 'regex:b,c,d', 'a/c,d'], // split at the first comma only
    ['a/b', 'regex:^/(.*)$,mirror/${1}', 'mirror/a/b'],
  ];
  for (const [from, to, target] of cases) {
    test(`from ${JSON.stringify(from)} to ${JSON.stringify(to)} → ${target}`, () => {
      const m = parse(from, to);
      assert.equal(isRepoSelection(m), false);
      const source = from.replace(/^\//, '');
      assert.deepEqual(mapPaths(m), [{ source, target }]);
      assert.deepEqual(mapPaths(m, REPOS), [{ source, target }], 'a repository list is ignored');
    });
  }
});

describe('regex from: repositories selected from the source list', () => {
  const cases: [from: string, to: string | undefined, pairs: RepoPair[]][] = [
    [
      'regex:myproject/.*',
      undefined,
      [
        { source: 'myproject/webui', target: 'myproject/webui' },
        { source: 'myproject/api', target: 'myproject/api' },
      ],
    ],
    // a plain to is a prefix; its slashes do not matter
    ['regex:myproject/web.*', 'ecr', [{ source: 'myproject/webui', target: 'ecr/myproject/webui' }]],
    ['regex:myproject/web.*', '/ecr/', [{ source: 'myproject/webui', target: 'ecr/myproject/webui' }]],
    ['regex:myproject/web.*', 'ecr/', [{ source: 'myproject/webui', target: 'ecr/myproject/webui' }]],
    // doc/design-image-matching.md example
    [
      'regex:myproject/.*',
      'regex:my(.+)/,from-dh/your$1/',
      [
        { source: 'myproject/webui', target: 'from-dh/yourproject/webui' },
        { source: 'myproject/api', target: 'from-dh/yourproject/api' },
      ],
    ],
    ['regex:.*/webui', 'regex:^/[^/]+,mirror', [
      { source: 'myproject/webui', target: 'mirror/webui' },
      { source: 'other/webui', target: 'mirror/webui' },
    ]],
    // full-line anchored, matched against names without a leading slash
    ['regex:myproject', undefined, [{ source: 'myproject', target: 'myproject' }]],
    ['regex:/myproject/.*', undefined, []],
    // the text after regex: is used as is: a space is part of the expression
    ['regex: myproject', undefined, []],
  ];
  for (const [from, to, pairs] of cases) {
    test(`from ${JSON.stringify(from)} to ${JSON.stringify(to)}`, () => {
      const m = parse(from, to);
      assert.equal(isRepoSelection(m), true);
      assert.deepEqual(mapPaths(m, REPOS), pairs);
    });
  }
  test('without a repository list nothing is selected', () => {
    assert.deepEqual(mapPaths(parse('regex:.*')), []);
  });
});

describe("parsePathMapping problems: dregsy's messages, both fields at once", () => {
  const cases: [from: string, to: string | undefined, problems: { field: 'from' | 'to'; message: string }[]][] = [
    [
      'regex:a(b',
      undefined,
      [{ field: 'from', message: "'from' uses invalid regular expression 'a(b': error parsing regexp: missing closing ): `^a(b$`" }],
    ],
    ['a/b', 'regex:abc', [{ field: 'to', message: "replacement expression missing in 'to'" }]],
    ['a/b', 'regex:a(b,x', [{ field: 'to', message: "'to' uses invalid regular expression 'a(b': error parsing regexp: missing closing ): `a(b`" }]],
    [
      'regex:(?=x)',
      'regex:\\1,x',
      [
        { field: 'from', message: "'from' uses invalid regular expression '(?=x)': error parsing regexp: invalid or unsupported Perl syntax: `(?=`" },
        { field: 'to', message: "'to' uses invalid regular expression '\\1': error parsing regexp: invalid escape sequence: `\\1`" },
      ],
    ],
    ['', undefined, [{ field: 'from', message: "mapping without 'From' path" }]],
  ];
  for (const [from, to, problems] of cases) {
    test(`from ${JSON.stringify(from)} to ${JSON.stringify(to)}`, () => {
      assert.deepEqual(parsePathMapping(from, to), { ok: false, problems });
    });
  }
});

describe('sourceMappedTo: which selected repository a mapping writes to a path', () => {
  const cases: [from: string, to: string | undefined, target: string, source: string | undefined][] = [
    ['regex:team/.*', 'team/mirror', 'team/mirror/team/app', 'team/app'],
    ['regex:team/.*', 'team/mirror', 'team/mirror/team/mirror/team/app', 'team/mirror/team/app'], // a deeper level is one too
    ['regex:team/.*', '/team/mirror/', 'team/mirror/team/app', 'team/app'],
    ['regex:team/.*', 'team/mirror', 'team/app', undefined], // a source, not a target
    ['regex:team/.*', 'team/mirror', 'team/mirrored/team/app', undefined], // the prefix is a path, not text
    ['regex:team/.*', 'mirror', 'mirror/other/app', undefined], // `other/app` is not selected
    ['regex:(library|mirror)/.*', 'mirror', 'mirror/library/x', 'library/x'],
    ['regex:team/.*', undefined, 'team/app', 'team/app'], // to: itself
    ['regex:team/.*', '/', 'team/app', 'team/app'],
    ['*', 'backup', 'backup/a/b', 'a/b'],
    ['team/app', 'team/app-mirror', 'team/app-mirror', 'team/app'],
    ['team/app', 'team/app-mirror', 'team/app', undefined],
    ['team/app', undefined, 'team/app', 'team/app'],
    ['team/app', 'regex:^/team/(.*),team/copy-$1', 'team/copy-app', 'team/app'], // a plain from: the one target is known
    ['regex:team/.*', 'regex:^/team/(.*),team/copy-$1', 'team/copy-app', undefined], // cannot be run backwards
  ];
  for (const [from, to, target, source] of cases) {
    test(`from ${JSON.stringify(from)} to ${JSON.stringify(to)}: ${target} ← ${source ?? 'none'}`, () => {
      const m = parse(from, to);
      assert.equal(sourceMappedTo(m, target), source);
      if (source !== undefined) assert.deepEqual(mapPaths(m, [source]), [{ source, target }], 'agrees with mapPaths');
    });
  }
});
