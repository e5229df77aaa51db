import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryBudget } from './budget.js';

test('retries spend, successes earn back up to the size; registries have their own', () => {
  const b = new RetryBudget(2);
  assert.equal(b.spend('a'), true);
  assert.equal(b.spend('a'), true);
  assert.equal(b.spend('a'), false, 'spent');
  assert.equal(b.spend('b'), true, 'another registry has its own');
  b.earn('a');
  assert.equal(b.spend('a'), true, 'a success earns one retry');
  for (let i = 0; i < 10; i++) b.earn('a');
  assert.equal(b.balance('a'), 2, 'never above the size');
});

test('a registry failing one request in five never runs dry; one failing all does, after `size` retries', () => {
  const b = new RetryBudget(10);
  let refused = 0;
  for (let i = 0; i < 1_000; i++) {
    if (i % 5 === 0) refused += b.spend('flaky') ? 0 : 1;
    else b.earn('flaky');
  }
  assert.equal(refused, 0);
  let granted = 0;
  for (let i = 0; i < 1_000; i++) granted += b.spend('dead') ? 1 : 0;
  assert.equal(granted, 10);
});
