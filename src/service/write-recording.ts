/**
 * Every tag a task run pushes, told to the write-set (own-writes.ts) before the push starts:
 * the relay's copies (images and referrers) and our own manifest PUTs (backups, referrer index
 * tags). Decorators the composition root puts around one run's relay and registry client, so
 * the copying code (sync/, relay/) knows nothing of webhooks; any relay is covered alike. What
 * a relay offers beyond `copy` (several targets at once, batches) is passed on, recorded too.
 */
import type { RegistryWrites } from '../registry/write.js';
import { tagFromDigest } from '../relay/docker/docker-plan.js';
import type { BatchCopier, CopyContext, FanOutRequest, ImageLocation, Relay } from '../relay/relay.js';
import type { WriteRecorder } from './own-writes.js';

/** `relay`, with each copy's target tag registered for the duration of the copy. */
export function recordingRelay(relay: Relay, writes: WriteRecorder, task: string): Relay {
  // The tag the push goes under: a digest-only target is pushed without one, except by Docker,
  // which can push only tags and uses its own (relay/docker/docker-plan.ts).
  const tagOf = (t: ImageLocation): string | undefined => t.ref.tag ?? (t.ref.digest && relay.name === 'docker' ? tagFromDigest(t.ref.digest) : undefined);
  const around = async <T>(targets: readonly ImageLocation[], copy: () => Promise<T>): Promise<T> => {
    const ends = targets.flatMap((t) => {
      const tag = tagOf(t);
      return tag ? [writes.begin({ registry: t.endpoint.registry, repo: t.repo, tag, task })] : [];
    });
    try {
      return await copy();
    } finally {
      for (const end of ends) end();
    }
  };
  return {
    get name() {
      return relay.name;
    },
    prepare: (signal) => relay.prepare(signal),
    copy: (req, ctx) => around([req.target], () => relay.copy(req, ctx)),
    // There exactly when the relay has it (it may be chosen only in prepare()).
    get copyToMany() {
      const many = relay.copyToMany?.bind(relay);
      return many && ((req: FanOutRequest, ctx: CopyContext) => around(req.targets, () => many(req, ctx)));
    },
    // skopeo's several tags in one process: every target of the batch is recorded for its length
    get batch(): BatchCopier | undefined {
      const batch = relay.batch;
      return (
        batch && {
          keyOf: (req) => batch.keyOf(req),
          copyBatch: (reqs, ctx) => around(reqs.map((r) => r.target), () => batch.copyBatch(reqs, ctx)),
        }
      );
    },
    dispose: () => relay.dispose(),
  };
}

/** `registry` as it is, but with manifest PUTs under a tag registered. */
export function recordingManifestWrites<R extends Pick<RegistryWrites, 'putManifest'>>(registry: R, writes: WriteRecorder, task: string): R {
  const putManifest: RegistryWrites['putManifest'] = async (ep, repo, reference, manifest, signal) => {
    // a tag has no ':'; a digest reference is notified without a tag, so no run could follow it
    const end = reference.includes(':') ? undefined : writes.begin({ registry: ep.registry, repo, tag: reference, task });
    try {
      return await registry.putManifest(ep, repo, reference, manifest, signal);
    } finally {
      end?.();
    }
  };
  // A proxy rather than a copy: whatever the client is made of (closures or a class), every
  // other method and property is the client's own, called on the client. Each method is bound
  // once per run, not at every call (a warm run makes tens of thousands of them).
  const bound = new Map<PropertyKey, { method: unknown; bound: unknown }>();
  return new Proxy(registry, {
    get(target, property) {
      if (property === 'putManifest') return putManifest;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const known = bound.get(property);
      if (known?.method === value) return known.bound;
      const b = (value as (...a: unknown[]) => unknown).bind(target);
      bound.set(property, { method: value, bound: b });
      return b;
    },
  });
}
