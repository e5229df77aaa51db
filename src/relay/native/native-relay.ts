/**
 * The native relay (`relay: native`): copies registry to registry inside this process through
 * our own registry client, no skopeo process per image and as few registry requests as the API
 * allows (copy-image.ts). Opt-in: never chosen automatically. What it knows about target blobs
 * lives in this relay object, one per process.
 */
import { errorMessage, RelayError } from '../../errors.js';
import type { Redactor } from '../../log/redact.js';
import { hostPlatform, type PlatformSpec } from '../../plan/digests.js';
import type { RegistryWrites } from '../../registry/write.js';
import { sourceReference, targetReference, type CopyContext, type CopyRequest, type FanOutRequest, type ImageLocation, type Relay } from '../relay.js';
import { BlobKnowledge } from './blob-knowledge.js';
import { copyImage, copyImageToMany } from './copy-image.js';

export interface NativeRelayOptions {
  registry: RegistryWrites;
  redactor: Redactor;
  /** The platform a mapping without one copies (default: this machine's, as skopeo picks it). */
  host?: PlatformSpec;
  /** Called by dispose(): closes the registry client when the relay opened it. */
  close?: () => Promise<void>;
}

export function createNativeRelay(opts: NativeRelayOptions): Relay {
  const knowledge = new BlobKnowledge();
  const host = opts.host ?? hostPlatform();
  return {
    name: 'native',
    async prepare() {
      // Nothing to start or find: registries are reached (and reported) by each copy.
    },
    async copy(req: CopyRequest, ctx: CopyContext) {
      const from = sourceReference(req.source);
      const to = targetReference(req.target);
      ctx.logger.debug('native copy', { from, to });
      const started = Date.now();
      try {
        const stats = await copyImage(req, { writes: opts.registry, knowledge, host, signal: ctx.signal });
        ctx.logger.debug('native copy done', { from, to, ms: Date.now() - started, ...stats });
      } catch (e) {
        throw relayError(req.source, req.target, e, ctx);
      }
    },
    // Several targets of one image: the source is read once (manifests and blobs) for all of them.
    async copyToMany(req: FanOutRequest, ctx: CopyContext) {
      const from = sourceReference(req.source);
      ctx.logger.debug('native fan-out copy', { from, targets: req.targets.length });
      const outcomes = await copyImageToMany(req, { writes: opts.registry, knowledge, host, signal: ctx.signal });
      return outcomes.map((o, i) => (o.status === 'fulfilled' ? undefined : relayError(req.source, req.targets[i]!, o.reason, ctx)));
    },
    async dispose() {
      await opts.close?.();
    },
  };

  function relayError(source: ImageLocation, target: ImageLocation, e: unknown, ctx: CopyContext): RelayError {
    const from = sourceReference(source);
    const to = targetReference(target);
    const command = `native copy ${from} ${to}`;
    if (ctx.signal.aborted) return new RelayError(`copy ${from} → ${to} stopped by shutdown`, command, undefined, '');
    const why = opts.redactor.redact(errorMessage(e));
    return new RelayError(`copy ${from} → ${to} failed: ${why}`, opts.redactor.redact(command), undefined, why);
  }
}
