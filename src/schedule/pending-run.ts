/**
 * What a task has been asked to do and not started yet: every request folded into one, so a run
 * takes all of it. A full-run request makes the run full; pushed images are kept (deduplicated)
 * for a run that covers only one shard.
 */
import type { PushedImage } from '../plan/push-match.js';
import { DEBOUNCED, type TriggerKind } from './types.js';

/** Under a steady stream of events, a run starts at the latest this many `delay`s after the first. */
export const MAX_WAIT_FACTOR = 5;

export interface Pending {
  /** Kinds that asked for a full run; empty: only pushed images. */
  full: Set<TriggerKind>;
  images: Map<string, PushedImage>;
  kinds: Set<TriggerKind>;
  /** A kind that does not wait for quiet (start, tick, manual) is among them. */
  immediate: boolean;
  firstEventAt: number | undefined;
  lastEventAt: number | undefined;
}

const imageKey = (i: PushedImage) => `${i.mapping}\0${i.repo}\0${i.tag}`;

/** Folds one request (a full run without `images`) into what is pending. */
export function foldRequest(pending: Pending | undefined, kind: TriggerKind, images: readonly PushedImage[] | undefined, now: number): Pending {
  const p = pending ?? { full: new Set(), images: new Map(), kinds: new Set(), immediate: false, firstEventAt: undefined, lastEventAt: undefined };
  p.kinds.add(kind);
  if (images) for (const i of images) p.images.set(imageKey(i), i);
  else p.full.add(kind);
  if (DEBOUNCED.has(kind)) {
    p.firstEventAt ??= now;
    p.lastEventAt = now;
  } else {
    p.immediate = true;
  }
  return p;
}

/** When the pending run may start: now, or after `delay` of quiet, capped at MAX_WAIT_FACTOR × `delay`. */
export function dueAt(p: Pending, now: number, delayMs: number): number {
  if (p.immediate || p.lastEventAt === undefined || p.firstEventAt === undefined) return now;
  return Math.min(p.lastEventAt + delayMs, p.firstEventAt + delayMs * MAX_WAIT_FACTOR);
}
