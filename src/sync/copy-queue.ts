/**
 * Where a run's copies wait for a copy slot (`concurrency.copies`), and where copies the relay
 * can carry together (relay.ts `BatchCopier`: skopeo's several tags in one process) are put
 * together. A copy that can go in a batch waits for the rest of its repository's checks to
 * settle (one turn of the event loop: a new tag is decided without a request), then the
 * queued copies of that repository are cut into chunks that spread over the copy slots.
 * What a batch did not deliver is copied alone through `relay.copy`, with its retries, so
 * each image's outcome is its own.
 */
import type { LimitFunction } from 'p-limit';
import type { CopyContext, CopyRequest, Relay } from '../relay/relay.js';

/** 'not-started': the run was asked to stop before this copy began. */
export type CopyDone = 'copied' | 'not-started';

export interface CopyQueue {
  /**
   * Resolves when the target holds the image; rejects with the relay's error. `alone`: never in
   * a batch (a forced copy is written even when the target has it, which skopeo sync skips).
   */
  copy(request: CopyRequest, opts?: { alone?: boolean }): Promise<CopyDone>;
}

export interface CopyQueueOptions {
  relay: Relay;
  limitCopy: LimitFunction;
  ctx: CopyContext;
  /** True once the run is asked to stop: no copy starts after that. */
  stopped: () => boolean;
  /** Before the first copy into a target repository (ECR: make it); rejects the copies when it fails. */
  beforeCopy: (targetRepo: string) => Promise<void>;
}

/**
 * A batch of fewer tags than this is not cut further: a process start is worth saving. More
 * than MAX_BATCH go in several: a shutdown then loses less, and the source list stays small.
 */
const MIN_BATCH = 8;
const MAX_BATCH = 100;

interface Pending {
  request: CopyRequest;
  resolve: (done: CopyDone) => void;
  reject: (error: unknown) => void;
}

/** Chunks of `size` or fewer, sized so the copy slots share the work. */
export function chunkSize(queued: number, slots: number): number {
  return Math.min(MAX_BATCH, Math.max(MIN_BATCH, Math.ceil(queued / Math.max(1, slots))));
}

export function createCopyQueue(opts: CopyQueueOptions): CopyQueue {
  const { relay, limitCopy, ctx } = opts;
  const groups = new Map<string, { queue: Pending[]; draining: boolean }>();

  async function alone(p: Pending): Promise<void> {
    if (opts.stopped()) return p.resolve('not-started');
    try {
      await opts.beforeCopy(p.request.target.repo);
      await relay.copy(p.request, ctx);
      p.resolve('copied');
    } catch (e) {
      p.reject(e);
    }
  }

  async function together(chunk: Pending[]): Promise<void> {
    const batch = relay.batch;
    const first = chunk[0];
    if (!first) return;
    if (chunk.length === 1 || !batch) {
      for (const p of chunk) await alone(p);
      return;
    }
    if (opts.stopped()) return chunk.forEach((p) => p.resolve('not-started'));
    try {
      await opts.beforeCopy(first.request.target.repo);
    } catch (e) {
      return chunk.forEach((p) => p.reject(e));
    }
    const outcome = await batch.copyBatch(chunk.map((p) => p.request), ctx).catch((e: unknown) => ({ delivered: chunk.map(() => false), failure: e instanceof Error ? e : new Error(String(e)), cancelled: false }));
    chunk.forEach((p, i) => {
      if (outcome.delivered[i]) p.resolve('copied');
      else if (outcome.cancelled) p.reject(outcome.failure);
      // Alone, with the relay's retries: the error a user sees is this image's own.
      else void limitCopy(() => alone(p));
    });
  }

  function drain(key: string): Promise<void> {
    return limitCopy(async () => {
      // The checks of this repository's other tags settle within this turn: let them queue.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const group = groups.get(key);
      if (!group) return;
      const queued = group.queue.splice(0);
      group.draining = false;
      const size = chunkSize(queued.length, limitCopy.concurrency);
      const chunks: Pending[][] = [];
      for (let i = 0; i < queued.length; i += size) chunks.push(queued.slice(i, i + size));
      for (const chunk of chunks.slice(1)) void limitCopy(() => together(chunk));
      await together(chunks[0] ?? []);
    });
  }

  return {
    copy(request, how) {
      const key = how?.alone ? undefined : relay.batch?.keyOf(request);
      return new Promise<CopyDone>((resolve, reject) => {
        const p = { request, resolve, reject };
        if (key === undefined) return void limitCopy(() => alone(p));
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { queue: [], draining: false }));
        group.queue.push(p);
        if (!group.draining) {
          group.draining = true;
          void drain(key);
        }
      });
    },
  };
}
