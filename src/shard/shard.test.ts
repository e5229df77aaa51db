import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decideShard, owns, ownershipFilter, parseShardFlag, statefulSetOrdinal, type ShardDecision, type ShardInputs } from './shard.js';

test('the ordinal of a StatefulSet pod hostname', () => {
  const table: [string, number | undefined][] = [
    ['dregsy-0', 0],
    ['dregsy-2', 2],
    ['dregsy-12', 12],
    ['registry-mirror-dregsy-3', 3],
    ['dregsy-3\n', 3],
    ['dregsy', undefined],
    ['dregsy-', undefined],
    ['dregsy-7d9c8b6f4-x2x9z', undefined], // a Deployment's pod
    ['laptop', undefined],
    ['-2', undefined],
    ['', undefined],
  ];
  for (const [host, want] of table) assert.equal(statefulSetOrdinal(host), want, JSON.stringify(host));
});

test('--shard INDEX/COUNT', () => {
  assert.deepEqual(parseShardFlag('0/3'), { index: 0, count: 3 });
  assert.deepEqual(parseShardFlag('2/3'), { index: 2, count: 3 });
  assert.deepEqual(parseShardFlag(' 1 / 4 '), { index: 1, count: 4 });
  assert.match(String(parseShardFlag('3/3')), /shard index 3 \(from --shard\) is out of range for 3 shards \(0\.\.2\)/);
  assert.match(String(parseShardFlag('0/0')), /expected a positive integer/);
  for (const bad of ['1', '1/', '/3', '-1/3', 'a/b', '1/3/4', '1.5/3']) assert.match(String(parseShardFlag(bad)), /expected INDEX\/COUNT/, bad);
});

function decide(inputs: ShardInputs): ShardDecision {
  return decideShard(inputs);
}

test('which shard: flag, Indexed Job, StatefulSet ordinal, or everything', () => {
  const table: [string, ShardInputs, { index: number; count: number; origin: string } | 'all' | RegExp][] = [
    ['nothing set', { hostname: 'dregsy-2' }, 'all'],
    ['flag', { flag: '1/3', hostname: 'laptop' }, { index: 1, count: 3, origin: 'flag' }],
    ['flag wins over env and hostname', { flag: '0/2', envCount: '3', hostname: 'dregsy-2' }, { index: 0, count: 2, origin: 'flag' }],
    ['flag 0/1 is everything', { flag: '0/1' }, 'all'],
    ['StatefulSet ordinal, count from config', { configCount: 3, hostname: 'dregsy-2' }, { index: 2, count: 3, origin: 'statefulset-ordinal' }],
    ['StatefulSet ordinal, count from env', { envCount: '4', hostname: 'dregsy-0' }, { index: 0, count: 4, origin: 'statefulset-ordinal' }],
    ['env wins over config', { envCount: '4', configCount: 3, hostname: 'dregsy-3' }, { index: 3, count: 4, origin: 'statefulset-ordinal' }],
    ['Indexed Job', { envCount: '5', jobCompletionIndex: '4', hostname: 'migrate-4-xk2lp' }, { index: 4, count: 5, origin: 'job-completion-index' }],
    ['JOB_COMPLETION_INDEX wins over the hostname', { configCount: 3, jobCompletionIndex: '0', hostname: 'dregsy-2' }, { index: 0, count: 3, origin: 'job-completion-index' }],
    ['one shard is everything', { configCount: 1, hostname: 'laptop' }, 'all'],
    ['ordinal out of range', { configCount: 3, hostname: 'dregsy-3' }, /shard index 3 \(the ordinal of hostname 'dregsy-3'\) is out of range for 3 shards \(0\.\.2\)/],
    ['job index out of range', { envCount: '2', jobCompletionIndex: '2' }, /shard index 2 \(JOB_COMPLETION_INDEX=2\) is out of range for 2 shards/],
    ['flag out of range', { flag: '5/3' }, /out of range for 3 shards/],
    ['index unknown', { configCount: 3, hostname: 'laptop' }, /asks for 3 shards, but this process's shard index is unknown: pass --shard INDEX\/3/],
    ['bad DREGSY_SHARDS', { envCount: 'three', hostname: 'dregsy-0' }, /invalid DREGSY_SHARDS 'three'/],
    ['DREGSY_SHARDS=0', { envCount: '0', hostname: 'dregsy-0' }, /invalid DREGSY_SHARDS '0'/],
    ['bad JOB_COMPLETION_INDEX', { envCount: '3', jobCompletionIndex: 'x' }, /invalid JOB_COMPLETION_INDEX 'x'/],
    ['empty DREGSY_SHARDS is unset', { envCount: '', configCount: 2, hostname: 'dregsy-1' }, { index: 1, count: 2, origin: 'statefulset-ordinal' }],
  ];
  for (const [name, inputs, want] of table) {
    const got = decide(inputs);
    if (want === 'all') assert.equal(got.kind, 'all', name);
    else if (want instanceof RegExp) {
      assert.equal(got.kind, 'error', name);
      assert.match(got.kind === 'error' ? got.message : '', want, name);
    } else {
      assert.equal(got.kind, 'shard', `${name}: ${JSON.stringify(got)}`);
      if (got.kind === 'shard') assert.deepEqual({ ...got.shard, origin: got.origin }, want, name);
    }
  }
});

test('warnings: a flag that disagrees with the count, an Indexed Job without a count', () => {
  const warningsOf = (d: ShardDecision) => (d.kind === 'error' ? `error: ${d.message}` : d.warnings.join('\n'));
  assert.match(warningsOf(decide({ flag: '0/2', envCount: '3' })), /--shard 0\/2 overrides DREGSY_SHARDS \(3 shards\)/);
  const b = decide({ jobCompletionIndex: '1' });
  assert.equal(b.kind, 'all');
  assert.match(warningsOf(b), /no shard count is set/);
});

test('the shards of one count partition any set of keys', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { maxLength: 50 }), fc.integer({ min: 1, max: 12 }), (keys, count) => {
      const shares = Array.from({ length: count }, (_, index) => keys.filter((k) => owns({ index, count }, k)));
      assert.equal(shares.reduce((n, s) => n + s.length, 0), keys.length, 'no key twice, none missing');
      assert.deepEqual(new Set(shares.flat()), new Set(keys));
    }),
  );
});

test('a run\'s filter: the owned repositories pass, the others are remembered once', () => {
  const shard = { index: 1, count: 3 };
  const filter = ownershipFilter(shard);
  const repos = Array.from({ length: 30 }, (_, i) => `team/app-${i}`);
  const mine = repos.filter((r) => filter.owned(r));
  repos.forEach((r) => filter.owned(r));
  assert.deepEqual(mine, repos.filter((r) => owns(shard, r)));
  assert.ok(mine.length > 0 && mine.length < repos.length);
  assert.deepEqual([...filter.others].sort(), repos.filter((r) => !mine.includes(r)).sort());
});
