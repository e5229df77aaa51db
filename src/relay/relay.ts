/**
 * What every relay (skopeo/, docker/, native/) offers: copy one image reference from a source
 * repository to a target repository. Planning what to copy happens elsewhere (plan/).
 */
import type { Logger } from '../log/logger.js';
import type { PlatformChoice } from '../plan/platform.js';
import type { RegistryEndpoint } from '../registry/types.js';

/** One image: pulled by `digest` when set, else by `tag`; pushed by `tag` when set, else by `digest`. */
export interface ImageRef {
  tag?: string | undefined;
  digest?: string | undefined;
}

export interface ImageLocation {
  endpoint: RegistryEndpoint;
  /** Repository path without a leading slash, e.g. `library/busybox`. */
  repo: string;
  ref: ImageRef;
}

export interface CopyRequest {
  source: ImageLocation;
  target: ImageLocation;
  platform: PlatformChoice;
  /** Stream the relay's own output into the log (task `verbose: true`). */
  verbose: boolean;
}

/** One image to several targets (a task with `targets`): the source is read once for all of them. */
export interface FanOutRequest {
  source: ImageLocation;
  targets: ImageLocation[];
  platform: PlatformChoice;
  verbose: boolean;
}

export interface CopyContext {
  /** Aborted on forced shutdown: the copy must stop (its process is killed). */
  signal: AbortSignal;
  logger: Logger;
}

export interface Relay {
  readonly name: 'skopeo' | 'docker' | 'native';
  /** Checks the relay can work at all (binary present, daemon answering); throws EnvironmentError. */
  prepare(signal?: AbortSignal): Promise<void>;
  /** Copies one image; throws RelayError with a redacted message when it fails. */
  copy(request: CopyRequest, ctx: CopyContext): Promise<void>;
  /**
   * Copies one image to several targets, reading the source once (manifests and blobs) where
   * the relay can; resolves with one outcome per target, in order: undefined when that target
   * got the image, else its RelayError. One target failing never fails the others. Relays
   * without it get one `copy` per target.
   */
  copyToMany?(request: FanOutRequest, ctx: CopyContext): Promise<Array<Error | undefined>>;
  /** Copies several images in one go where the relay can (skopeo: one `skopeo sync`); optional. */
  readonly batch?: BatchCopier | undefined;
  dispose(): Promise<void>;
}

/**
 * Several images of one repository in one relay process: what a process start costs is paid
 * once, not per image. Whatever a batch did not deliver is copied one by one through `copy`,
 * with its retries, so a batch is an optimisation that never decides an image's outcome.
 */
export interface BatchCopier {
  /** What the requests one batch can carry share; undefined when this request must go alone. */
  keyOf(request: CopyRequest): string | undefined;
  /** Copies requests that share a key; never throws for an image's failure. */
  copyBatch(requests: readonly CopyRequest[], ctx: CopyContext): Promise<BatchOutcome>;
}

export interface BatchOutcome {
  /** One entry per request, in order: true when the target now holds it. */
  delivered: boolean[];
  /** Why the batch did not deliver everything (for the log, and for a batch stopped by shutdown). */
  failure?: Error | undefined;
  /** Stopped by shutdown: what was not delivered must not be tried again. */
  cancelled?: boolean;
}

/** `host[:port]/repo:tag` or `host[:port]/repo@sha256:…` as the relay pulls it. */
export function sourceReference(loc: ImageLocation): string {
  const base = `${loc.endpoint.registry}/${loc.repo}`;
  if (loc.ref.digest) return `${base}@${loc.ref.digest}`;
  return `${base}:${loc.ref.tag ?? 'latest'}`;
}

/** `host[:port]/repo:tag`, or by digest when the ref has no tag, as the relay pushes it. */
export function targetReference(loc: ImageLocation): string {
  const base = `${loc.endpoint.registry}/${loc.repo}`;
  if (loc.ref.tag) return `${base}:${loc.ref.tag}`;
  if (loc.ref.digest) return `${base}@${loc.ref.digest}`;
  return `${base}:latest`;
}
