/**
 * `lister.maxItems` bounds a repository listing the way dregsy's listers do (reference §A.4):
 * the catalog and the Docker Hub lister read pages of 100 and stop after the page on which
 * the count went past maxItems; ECR stops after the page that reached it; the index lister
 * asks the search API for `n=maxItems`. None cuts a page short, and a limit that leaves
 * repositories unlisted is said in a warning (dregsy says nothing). Through the built CLI's
 * `check`, against a real registry with more than 100 repositories, a local Docker Hub API,
 * a search front and the ECR API.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { fakeAwsEnv, startFakeAws } from '../support/fake-aws.js';
import { makeTempDir, pushImage, startFakeDockerHub, startRegistry, startSearchFront, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

const BULK = 150;
const OTHER = 13;
const pad = (i: number) => String(i).padStart(3, '0');

let source: TestRegistry;
let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];

before(async () => {
  dir = await makeTempDir('dregsy-e2e-lister-');
  source = await startRegistry();
  // 163 repositories: more than one catalog page. Pushed a few at a time to keep it quick.
  const repos = [...Array.from({ length: BULK }, (_, i) => `bulk/${pad(i)}`), ...Array.from({ length: OTHER }, (_, i) => `other/${pad(i)}`)];
  for (let i = 0; i < repos.length; i += 8) {
    await Promise.all(repos.slice(i, i + 8).map((repo) => pushImage(source, repo, 'latest')));
  }
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await source?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `dregsy check` of one task from `sourceYaml` with `from`, into a target that is never reached. */
async function check(name: string, opts: { lister?: string; sourceYaml?: string; from: string; env?: Record<string, string> }): Promise<CliResult & { selected: number }> {
  const file = await writeConfig(
    dir,
    `${opts.lister ? `lister: ${opts.lister}\n` : ''}tasks:
  - name: ${name}
    source: ${opts.sourceYaml ?? `{ registry: ${source.host}, skip-tls-verify: true }`}
    target: { registry: 127.0.0.1:1, skip-tls-verify: true }
    mappings: [{ from: '${opts.from}', tags: [latest] }]
`,
    `${name}.yaml`,
  );
  const r = await runDregsy(['check', `-config=${file}`], { env: opts.env ?? {} });
  const m = new RegExp(`task ${name}: (\\d+) selected`).exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  return { ...r, selected: Number(m[1]) };
}

const WARNING = /WARN.*lister of .* stopped after (\d+) repositories \(lister\.maxItems: (\d+)\), and the registry has more/;

describe('catalog lister', () => {
  test('the default maxItems (100) lists a catalog of 163 repositories whole, as dregsy: every bulk/ repository is selected', async () => {
    const r = await check('default', { from: 'regex:bulk/.*' });
    assert.equal(r.selected, BULK);
    assert.doesNotMatch(r.stdout, WARNING, 'nothing was left out');
  });

  test('maxItems below a page still reads that whole page (never cut short), and says what it left out', async () => {
    const r = await check('small', { lister: '{ maxItems: 50 }', from: 'regex:bulk/.*' });
    assert.equal(r.selected, 100, 'the first page of 100, in catalog order all bulk/');
    const m = WARNING.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.deepEqual([m[1], m[2]], ['100', '50']);
  });

  test('maxItems passed on the last page: everything, no warning', async () => {
    const r = await check('enough', { lister: '{ maxItems: 150 }', from: 'regex:(bulk|other)/.*' });
    assert.equal(r.selected, BULK + OTHER);
    assert.doesNotMatch(r.stdout, WARNING);
  });
});

test('dockerhub lister: pages until one goes past maxItems, then warns', async () => {
  const hub = await startFakeDockerHub({ username: 'team-x', password: 'hub-Pa55', repositories: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name })) });
  cleanups.push(() => hub.stop());
  const r = await check('hub', {
    lister: '{ maxItems: 3 }',
    sourceYaml: `{ registry: ${source.host}, skip-tls-verify: true, auth: ${authOf('team-x', 'hub-Pa55')}, lister: { type: dockerhub } }`,
    from: 'regex:team-x/.*',
    env: { DREGSY_DOCKERHUB_API_URL: hub.url },
  });
  // The fake serves pages of 2: 2 is not past 3, 4 is.
  assert.equal(r.selected, 4);
  assert.equal(hub.requests.filter((q) => q.startsWith('GET /v2/repositories/')).length, 2);
  assert.deepEqual(WARNING.exec(r.stdout)?.slice(1), ['4', '3'], r.stdout);
});

test('index lister: one search request for n=maxItems, as docker search; a warning when the search found more', async () => {
  const names = ['team-x/a', 'team-x/b', 'team-x/c', 'team-x/d', 'team-x/e'];
  const front = await startSearchFront(source.host, names, 100);
  cleanups.push(() => front.stop());
  const r = await check('search', {
    lister: '{ maxItems: 3 }',
    sourceYaml: `{ registry: ${front.host}, skip-tls-verify: true, lister: { type: index, search: team-x } }`,
    from: 'regex:team-x/.*',
  });
  assert.equal(r.selected, 3);
  assert.deepEqual(
    front.requests.filter((q) => q.startsWith('GET /v1/search')),
    ['GET /v1/search?q=team-x&n=3'],
  );
  assert.deepEqual(WARNING.exec(r.stdout)?.slice(1), ['3', '3'], r.stdout);
});

test('ECR lister: DescribeRepositories pages of 100 until one reaches maxItems, never cut', async () => {
  const ecrHost = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
  const repos = Array.from({ length: 150 }, (_, i) => `team/${pad(i)}`);
  const aws = await startFakeAws({ password: 'ecr-pw', repositories: { '111111111111': repos } });
  cleanups.push(() => aws.stop());
  const r = await check('ecr', {
    lister: '{ maxItems: 50 }',
    sourceYaml: `{ registry: ${ecrHost}, auth-refresh: 10h }`,
    from: 'regex:team/.*',
    // No route to the ECR host: only the listing matters here, the checks may fail.
    env: { ...fakeAwsEnv(aws, dir), HTTPS_PROXY: 'http://127.0.0.1:1', NO_PROXY: '127.0.0.1' },
  });
  assert.equal(r.selected, 100, r.stdout);
  assert.equal(aws.calls.filter((c) => c.action === 'DescribeRepositories').length, 1);
  assert.deepEqual(WARNING.exec(r.stdout)?.slice(1), ['100', '50'], r.stdout);
});
