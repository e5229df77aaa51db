import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkSize } from './copy-queue.js';

test('batches spread over the copy slots, neither tiny nor unbounded', () => {
  const table: Array<[queued: number, slots: number, size: number]> = [
    [80, 2, 40], // a repository's new tags: one batch per slot
    [10, 2, 8], // a few: not cut below 8
    [3, 2, 8],
    [1000, 2, 100], // many: chunks of 100
    [50, 0, 50], // a nonsense limit still makes progress
  ];
  for (const [queued, slots, size] of table) assert.equal(chunkSize(queued, slots), size, `${queued} on ${slots}`);
});
