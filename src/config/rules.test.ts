/**
 * One test per validation rule: the exact line a user sees (`FILE:LINE: PATH: MESSAGE`).
 * Tag and path grammar messages come from tags/ and mapping/; here only their placement.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECKED_FILE, checkConfigText } from '../../test/support/config-check.js';

const FILE = CHECKED_FILE;

const check = checkConfigText;

/** A valid one-task config after `head` (top-level lines), with `source`/`target`/task extras. */
function config({ head = '', source = '', target = '', task = '' } = {}): string {
  return `${head}tasks:
  - name: t
    source:
      registry: src.example.com
${source}    target:
      registry: dst.example.com
${target}${task}`;
}

function assertOnly(text: string, expected: { errors?: string[]; warnings?: string[] }): void {
  const got = check(text);
  assert.deepEqual(got.errors, expected.errors ?? [], 'errors');
  assert.deepEqual(got.warnings, expected.warnings ?? [], 'warnings');
}

describe('relay (§A.1)', () => {
  test('an unknown relay type', () => {
    assertOnly(config({ head: 'relay: podman\n' }), {
      errors: ["c.yaml:1: relay: invalid relay type: 'podman', must be either 'docker', 'skopeo' or 'native'"],
    });
  });
  test("relay 'docker' without a docker section: dregsy's deprecation warning", () => {
    assertOnly(config({ head: 'relay: docker\n' }), {
      warnings: ["c.yaml:1: relay: not specifying the 'docker' config item is deprecated"],
    });
  });
  test("'dockerhost' with relay skopeo", () => {
    assertOnly(config({ head: 'relay: skopeo\ndockerhost: tcp://x:2375\n' }), {
      errors: ["c.yaml:2: dockerhost: setting 'dockerhost' implies 'docker' relay, but relay is set to 'skopeo'"],
    });
  });
  test("top-level 'api-version' with relay skopeo: ignored, with a warning", () => {
    assertOnly(config({ head: 'relay: skopeo\napi-version: 1.40\n' }), {
      warnings: ["c.yaml:2: api-version: the top-level 'api-version' setting is deprecated, and has no effect with relay 'skopeo'"],
    });
  });
  test("top-level 'dockerhost' with relay omitted: deprecated", () => {
    assertOnly(config({ head: 'dockerhost: tcp://x:2375\n' }), {
      warnings: ["c.yaml:1: dockerhost: the top-level 'dockerhost' setting is deprecated, use 'docker' config item instead"],
    });
  });
  test("relay 'docker' refuses 'platform: all', as dregsy does when it creates the relay", () => {
    const mappings = '    mappings:\n      - from: a\n        platform: linux/arm64\n      - from: b\n        platform: all\n';
    assertOnly(config({ head: 'relay: docker\ndocker:\n  dockerhost: unix:///d.sock\n', task: mappings }), {
      errors: ["c.yaml:14: tasks[0].mappings[1].platform: relay 'docker' does not support mappings with 'platform: all'"],
    });
    assertOnly(config({ head: 'relay: skopeo\n', task: mappings }), {});
    assertOnly(config({ task: mappings }), {});
  });
  test("top-level 'api-version' with relay omitted and no docker section", () => {
    assertOnly(config({ head: 'api-version: 1.40\n' }), {
      warnings: ["c.yaml:1: api-version: the top-level 'api-version' setting is deprecated, use 'docker' config item instead"],
    });
  });
  test("top-level 'api-version' next to a docker section is discarded", () => {
    assertOnly(config({ head: 'api-version: 1.40\ndocker:\n  api-version: 1.41\n' }), {
      warnings: ["c.yaml:1: api-version: discarding deprecated top-level 'api-version' setting and using 'docker' config item instead"],
    });
  });
});

describe('global lister (§A.4)', () => {
  test('negative maxItems: unlimited, with dregsy’s warning', () => {
    assertOnly(config({ head: 'lister:\n  maxItems: -1\n' }), {
      warnings: ['c.yaml:2: lister.maxItems: lister items set to unlimited, may cause excessive network traffic'],
    });
  });
  test('negative cacheDuration: cache off, with dregsy’s warning', () => {
    assertOnly(config({ head: 'lister:\n  cacheDuration: -1\n' }), {
      warnings: ['c.yaml:2: lister.cacheDuration: lister cache turned off, may cause excessive network traffic and/or rate limits'],
    });
  });
  test('a bare number for cacheDuration is nanoseconds, as in dregsy: a warning says so', () => {
    assertOnly(config({ head: 'lister:\n  cacheDuration: 3600\n' }), {
      warnings: [
        "c.yaml:2: lister.cacheDuration: a bare number is nanoseconds (as in dregsy), so this is 3.6µs; write a duration such as '30m' or '1h'",
      ],
    });
  });
  test('cacheDuration that is no Go duration', () => {
    assertOnly(config({ head: 'lister:\n  cacheDuration: 1 hour\n' }), {
      errors: [
        `c.yaml:2: lister.cacheDuration: expected a Go duration like '10h' or '1h30m' (time: unknown unit " hour" in duration "1 hour")`,
      ],
    });
  });
});

describe('task (§A.3)', () => {
  test('name missing', () => {
    assertOnly('tasks:\n  - source: { registry: a }\n    target: { registry: b }\n', {
      errors: ['c.yaml:2: tasks[0].name: a task requires a name'],
    });
  });
  test('name empty', () => {
    assertOnly('tasks:\n  - name: ""\n    source: { registry: a }\n    target: { registry: b }\n', {
      errors: ['c.yaml:2: tasks[0].name: a task requires a name'],
    });
  });
  test('interval below 30 seconds', () => {
    assertOnly(config({ task: '    interval: 10\n' }), { errors: ['c.yaml:7: tasks[0].interval: minimum task interval is 30 seconds'] });
  });
  test('negative interval', () => {
    assertOnly(config({ task: '    interval: -5\n' }), {
      errors: ['c.yaml:7: tasks[0].interval: task interval needs to be 0 or a positive integer'],
    });
  });
  test('interval 0 (one-off) and 30 are fine', () => {
    assertOnly(config({ task: '    interval: 0\n' }), {});
    assertOnly(config({ task: '    interval: 30\n' }), {});
  });
  test('interval that is not an integer', () => {
    assertOnly(config({ task: '    interval: 1m\n' }), { errors: ["c.yaml:7: tasks[0].interval: expected an integer, got '1m'"] });
  });
  test('verbose that is not a boolean', () => {
    assertOnly(config({ task: '    verbose: maybe\n' }), { errors: ["c.yaml:7: tasks[0].verbose: expected true or false, got 'maybe'"] });
  });
  test('a null task', () => {
    assertOnly('tasks:\n  -\n', { errors: ['c.yaml:2: tasks[0]: task is nil'] });
  });
  test('tasks that is not a list', () => {
    assertOnly('tasks: all\n', { errors: ["c.yaml:1: tasks: expected a list, got 'all'"] });
  });
  test('duplicate task names: a warning', () => {
    assertOnly(
      'tasks:\n  - name: t\n    source: { registry: a }\n    target: { registry: b }\n  - name: t\n    source: { registry: a }\n    target: { registry: b }\n',
      { warnings: ["c.yaml:5: tasks[1].name: duplicate task name 't' (also tasks[0])"] },
    );
  });
});

describe('location (§A.4, §A.7)', () => {
  test('source missing', () => {
    assertOnly('tasks:\n  - name: t\n    target: { registry: b }\n', { errors: ["c.yaml:2: tasks[0].source: source registry in task 't' invalid: location is nil"] });
  });
  test('source empty', () => {
    assertOnly('tasks:\n  - name: t\n    source:\n    target: { registry: b }\n', { errors: ["c.yaml:3: tasks[0].source: source registry in task 't' invalid: location is nil"] });
  });
  test('source that is not a mapping', () => {
    assertOnly('tasks:\n  - name: t\n    source: [a]\n    target: { registry: b }\n', {
      errors: ["c.yaml:3: tasks[0].source: source registry in task 't' invalid: expected a mapping, got a list"],
    });
  });
  test('registry missing (line of the location)', () => {
    assertOnly('tasks:\n  - name: t\n    source: { auth: none }\n    target: { registry: b }\n', {
      errors: ["c.yaml:3: tasks[0].source.registry: source registry in task 't' invalid: registry not set"],
    });
  });
  test('registry empty', () => {
    assertOnly(config({ target: '' }).replace('registry: dst.example.com', "registry: ''"), {
      errors: ["c.yaml:6: tasks[0].target.registry: target registry in task 't' invalid: registry not set"],
    });
  });
  test('auth that does not decode; the value is never echoed', () => {
    const got = check(config({ source: '      auth: "%%%secret%%%"\n' }));
    assert.deepEqual(got.errors, ["c.yaml:5: tasks[0].source.auth: source registry in task 't' invalid: invalid Auth: not base64"]);
    assert.ok(!got.errors.join('').includes('secret'));
  });
  test("auth 'none' and the README's base64 JSON are fine", () => {
    assertOnly(config({ source: '      auth: none\n', target: '      auth: eyJ1c2VybmFtZSI6ICJhbGV4IiwgInBhc3N3b3JkIjogInNlY3JldCJ9Cg==\n' }), {});
  });
  test('auth-refresh on a registry that is not ECR', () => {
    assertOnly(config({ target: '      auth-refresh: 10h\n' }), {
      errors: ["c.yaml:7: tasks[0].target.auth-refresh: target registry in task 't' invalid: 'dst.example.com' wants authentication refresh, but is not an ECR registry"],
    });
  });
  test('auth-refresh that is no Go duration', () => {
    assertOnly(config({ source: '      auth-refresh: 10x\n' }), {
      errors: [`c.yaml:5: tasks[0].source.auth-refresh: source registry in task 't' invalid: expected a Go duration like '10h' or '1h30m' (time: unknown unit "x" in duration "10x")`],
    });
  });
  test('auth-refresh below 1h on ECR: raised to the minimum with a warning', () => {
    const ecr = config({ source: '      auth-refresh: 30m\n' }).replace('src.example.com', '123456789012.dkr.ecr.eu-central-1.amazonaws.com');
    assertOnly(ecr, { warnings: ['c.yaml:5: tasks[0].source.auth-refresh: auth-refresh too short, setting to minimum'] });
  });
  test('auth-refresh on ECR makes auth unused (dregsy replaces it with what AWS returns)', () => {
    const ecr = config({ target: '      auth: none\n      auth-refresh: 10h\n' }).replace('dst.example.com', '123456789012.dkr.ecr.eu-central-1.amazonaws.com.cn');
    assertOnly(ecr, { warnings: ["c.yaml:7: tasks[0].target.auth: not used: credentials for this ECR registry are fetched from AWS ('auth-refresh')"] });
  });
  test('auth-refresh on public ECR without an account fetches nothing (as dregsy: anonymous)', () => {
    assertOnly(config({ source: '      auth-refresh: 10h\n' }).replace('src.example.com', 'public.ecr.aws'), {
      warnings: [
        "c.yaml:5: tasks[0].source.auth-refresh: no AWS account in 'public.ecr.aws' (write '<account>[:<region>]@public.ecr.aws'): no credentials are fetched, access is anonymous",
      ],
    });
    assertOnly(config({ source: '      auth-refresh: 10h\n' }).replace('src.example.com', '123456789012:us-east-1@public.ecr.aws'), {});
  });
  test('auth-file: fine alone, an error together with auth', () => {
    assertOnly(config({ source: '      auth-file: /run/secrets/src\n' }), {});
    assertOnly(config({ source: '      auth: none\n      auth-file: secret.txt\n' }), {
      errors: ["c.yaml:6: tasks[0].source.auth-file: source registry in task 't' invalid: 'auth' and 'auth-file' cannot both be set: use one"],
    });
  });
  test('use-docker-config takes a boolean', () => {
    assertOnly(config({ head: 'use-docker-config: no\n' }), {});
    assert.match(check(config({ head: 'use-docker-config: sometimes\n' })).errors.join('\n'), /^c\.yaml:1: use-docker-config: expected true or false/);
  });
  test('a lister without type', () => {
    assertOnly(config({ source: '      lister: { search: x }\n' }), { errors: ["c.yaml:5: tasks[0].source.lister: source registry in task 't' invalid: no lister type set"] });
  });
  test('an unknown lister type', () => {
    assertOnly(config({ source: '      lister: { type: magic }\n' }), {
      errors: ["c.yaml:5: tasks[0].source.lister.type: source registry in task 't' invalid: invalid lister type: magic"],
    });
  });
});

describe('repository lister, built for `from: regex:` mappings (§A.4)', () => {
  const regexMapping = '    mappings:\n      - from: regex:library/.*\n';
  test('index lister without search expression', () => {
    assertOnly(config({ source: '      lister: { type: index }\n', task: regexMapping }), {
      errors: ["c.yaml:5: tasks[0].source.lister: cannot create repo list for task 't': index lister requires a search expression"],
    });
  });
  test('Docker Hub with a catalog lister', () => {
    const text = config({ source: '      lister: { type: catalog }\n', task: regexMapping }).replace('src.example.com', 'registry.hub.docker.com');
    assertOnly(text, { errors: ["c.yaml:5: tasks[0].source.lister.type: cannot create repo list for task 't': DockerHub only supports list types 'dockerhub' and 'index'"] });
  });
  test('Docker Hub with no lister at all', () => {
    const text = config({ task: regexMapping }).replace('src.example.com', 'registry.hub.docker.com');
    assertOnly(text, { errors: ["c.yaml:4: tasks[0].source.registry: cannot create repo list for task 't': DockerHub only supports list types 'dockerhub' and 'index'"] });
  });
  test('without a regex mapping dregsy builds no lister and accepts the config: warnings for a lister written out', () => {
    assertOnly(config({ source: '      lister: { type: index }\n' }), {
      warnings: ['c.yaml:5: tasks[0].source.lister: index lister requires a search expression'],
    });
  });
  test('without a regex mapping a Docker Hub source needs no lister: nothing to say', () => {
    assertOnly(config().replace('src.example.com', 'registry.hub.docker.com'), {});
  });
});

describe('mapping (§A.5)', () => {
  test('a null mapping', () => {
    assertOnly(config({ task: '    mappings:\n      -\n' }), { errors: ['c.yaml:8: tasks[0].mappings[0]: mapping is nil'] });
  });
  test('a mapping without from', () => {
    assertOnly(config({ task: '    mappings:\n      - to: x\n' }), {
      errors: ["c.yaml:8: tasks[0].mappings[0].from: mapping without 'From' path"],
    });
  });
  test('an invalid platform', () => {
    assertOnly(config({ task: '    mappings:\n      - from: a\n        platform: linux/arm/v7/extra\n' }), {
      errors: ["c.yaml:9: tasks[0].mappings[0].platform: invalid platform 'linux/arm/v7/extra', expected 'os[/arch[/variant]]' or 'all'"],
    });
  });
  test("platform 'all' and os/arch/variant are fine", () => {
    assertOnly(config({ task: '    mappings:\n      - from: a\n        platform: all\n      - from: b\n        platform: linux/arm/v7\n' }), {});
  });
  test("an invalid 'from' regex: the path module's message at .from", () => {
    const got = check(config({ task: '    mappings:\n      - from: "regex:a(b"\n' }));
    assert.equal(got.errors.length, 1);
    assert.match(got.errors[0] ?? '', /^c\.yaml:8: tasks\[0\]\.mappings\[0\]\.from: 'from' uses invalid regular expression/);
  });
  test("a regex 'to' without replacement: at .to", () => {
    assertOnly(config({ task: '    mappings:\n      - from: a\n        to: regex:abc\n' }), {
      errors: ["c.yaml:9: tasks[0].mappings[0].to: replacement expression missing in 'to'"],
    });
  });
  test('an invalid tag filter: at its index in tags', () => {
    const got = check(config({ task: "    mappings:\n      - from: a\n        tags: ['1.0', 'regex: x(']\n" }));
    assert.equal(got.errors.length, 1);
    assert.match(got.errors[0] ?? '', /^c\.yaml:9: tasks\[0\]\.mappings\[0\]\.tags\[1\]: 'tags' uses invalid format/);
  });
  test('an invalid semver range', () => {
    const got = check(config({ task: "    mappings:\n      - from: a\n        tags:\n          - latest\n          - 'semver: >=x.y'\n" }));
    assert.equal(got.errors.length, 1);
    assert.match(got.errors[0] ?? '', /^c\.yaml:11: tasks\[0\]\.mappings\[0\]\.tags\[1\]: 'tags' uses invalid format/);
  });
});

describe('ECR and Google registries (no longer planned)', () => {
  test('GCR/GAR with no auth: tokens come from Google application default credentials', () => {
    for (const host of ['gcr.io', 'eu.gcr.io', 'europe-west1-docker.pkg.dev']) assertOnly(config().replace('src.example.com', host), {});
  });
  test("GCR with 'auth: none' or with credentials is fine", () => {
    assertOnly(config({ source: '      auth: none\n' }).replace('src.example.com', 'gcr.io'), {});
  });
  test('public ECR with the <account>[:<region>]@ prefix, an ECR target, an ECR source for `from: regex:`', () => {
    assertOnly(config().replace('src.example.com', '123456789012:us-east-1@public.ecr.aws'), {});
    assertOnly(config().replace('dst.example.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com'), {});
    const text = config({ task: '    mappings:\n      - from: regex:team/.*\n' }).replace('src.example.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com');
    assertOnly(text, {});
  });
});

describe('unknown keys: a warning naming the closest known key', () => {
  test('a typo gets a suggestion', () => {
    assertOnly(config({ target: '      skip-tls-verfy: true\n' }), {
      warnings: ["c.yaml:7: tasks[0].target.skip-tls-verfy: unknown key, did you mean 'skip-tls-verify'?"],
    });
  });
  test('a typo of a required key explains the error it causes', () => {
    const got = check('tasks:\n  - name: t\n    source: { registy: a }\n    target: { registry: b }\n');
    assert.deepEqual(got.errors, ["c.yaml:3: tasks[0].source.registry: source registry in task 't' invalid: registry not set"]);
    assert.deepEqual(got.warnings, ["c.yaml:3: tasks[0].source.registy: unknown key, did you mean 'registry'?"]);
  });
  test('at every level, case-insensitively', () => {
    assertOnly(config({ head: 'Relay: skopeo\nlister:\n  maxitems: 5\n', task: '    intervall: 60\n' }), {
      warnings: [
        "c.yaml:1: Relay: unknown key, did you mean 'relay'?",
        "c.yaml:3: lister.maxitems: unknown key, did you mean 'maxItems'?",
        "c.yaml:10: tasks[0].intervall: unknown key, did you mean 'interval'?",
      ],
    });
  });
  test('a key close to nothing known', () => {
    assertOnly(config({ head: 'parallelism: 4\n' }), { warnings: ['c.yaml:1: parallelism: unknown key, ignored'] });
  });
  test('x- keys are extension fields (a home for anchors) and pass silently', () => {
    assertOnly(`x-common: &src { registry: src.example.com }\n${config()}`, {});
  });
});

describe('not in dregsy: names that fail every image are config errors', () => {
  const CREDS = "a registry is 'host[:port]', without credentials ('user:password@'): put them in 'auth' or 'auth-file'";
  test('credentials in a registry name, never repeated in the message', () => {
    const got = check(config().replace('src.example.com', "'bob:s3cret@src.example.com'").replace('dst.example.com', 'bob@dst.example.com:5000'));
    assert.deepEqual(got.errors, [`c.yaml:4: tasks[0].source.registry: ${CREDS}`, `c.yaml:6: tasks[0].target.registry: ${CREDS}`]);
    assert.ok(!got.errors.join('').includes('s3cret'));
  });
  test("ECR public's '<account>[:<region>]@public.ecr.aws' stays valid", () => {
    assertOnly(config().replace('src.example.com', '123456789012@public.ecr.aws'), {});
    assertOnly(config().replace('dst.example.com', '123456789012:us-east-1@public.ecr.aws'), {});
  });
  const mapping = (m: string) => config({ task: `    mappings:\n      - ${m}\n` });
  test('an upper-case target path: a plain to, or a plain from without to', () => {
    assertOnly(mapping('{ from: team/app, to: Team/App }'), {
      errors: ["c.yaml:8: tasks[0].mappings[0].to: target repository 'Team/App' has upper-case letters: registries accept only lower-case repository names"],
    });
    assertOnly(mapping('{ from: Library/Busybox }'), {
      errors: ["c.yaml:8: tasks[0].mappings[0].from: target repository 'Library/Busybox' has upper-case letters: registries accept only lower-case repository names"],
    });
  });
  test('an upper-case prefix for a regex from; a regex to is known only at run time', () => {
    assertOnly(mapping('{ from: "regex:team/.*", to: Mirror }'), {
      errors: ["c.yaml:8: tasks[0].mappings[0].to: target repository 'Mirror' has upper-case letters: registries accept only lower-case repository names"],
    });
    assertOnly(mapping('{ from: "regex:team/.*", to: "regex:team,Mirror" }'), {});
    assertOnly(mapping('{ from: "regex:(?i)TEAM/.*" }'), {});
    assertOnly(mapping('{ from: team/app, to: mirror/app }'), {});
  });
  test('control characters in names, paths and tags', () => {
    const text = config({ task: '    mappings:\n      - { from: "a\\e[2J", tags: [ok, "\\x07"] }\n' }).replace('name: t', 'name: "t\\x00"');
    assert.deepEqual(check(text).errors, [
      'c.yaml:2: tasks[0].name: holds a control character, which no name, path or tag can have',
      'c.yaml:8: tasks[0].mappings[0].from: holds a control character, which no name, path or tag can have',
      'c.yaml:8: tasks[0].mappings[0].tags[1]: holds a control character, which no name, path or tag can have',
    ]);
  });
});

describe('shards (not in dregsy)', () => {
  test('a count below 1 is an error with its line', () => {
    assertOnly(config({ head: 'shards: 0\n' }), { errors: ['c.yaml:1: shards: must be at least 1, got 0'] });
    assertOnly(config({ head: 'shards: three\n' }), { errors: ["c.yaml:1: shards: expected an integer, got 'three'"] });
  });
  test('a positive count is fine', () => {
    assertOnly(config({ head: 'shards: 4\n' }), {});
  });
});
