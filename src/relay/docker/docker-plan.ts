/**
 * What one copy through a Docker Engine does, worked out from the request with no IO:
 * which reference to pull (and with which platform), which local tag to set, which tag to
 * push. Docker can only push tags, so a digest-only target gets dregsy's `dregsy-<hex>` tag.
 */
import { formatPlatform, type PlatformChoice } from '../../plan/platform.js';
import { sourceReference, type CopyRequest } from '../relay.js';

/** Docker's limit on the length of a tag. */
export const MAX_TAG_LENGTH = 128;

export interface DockerCopyPlan {
  pull: {
    /** `host[:port]/repo`, the Engine's `fromImage`. */
    fromImage: string;
    /** The tag, or the digest when the source ref has one (the Engine accepts either). */
    tagOrDigest: string;
    /** `os/arch[/variant]` for a single platform; undefined lets the daemon pick its own. */
    platform: string | undefined;
  };
  /** How the pulled image is named locally: `host/repo:tag` or `host/repo@sha256:…`. */
  pulledRef: string;
  push: {
    /** `host[:port]/repo` of the target. */
    name: string;
    tag: string;
  };
  /** `name:tag`, the local tag set for the push. */
  targetRef: string;
}

/** dregsy's tag for a digest-only reference: `dregsy-<hex>`, cut to Docker's tag length limit. */
export function tagFromDigest(digest: string): string {
  const colon = digest.indexOf(':');
  const hex = colon >= 0 ? digest.slice(colon + 1) : digest;
  return `dregsy-${hex}`.slice(0, MAX_TAG_LENGTH);
}

/** Returns the plan, or a message when the Engine cannot do this copy. */
export function planDockerCopy(req: Pick<CopyRequest, 'source' | 'target' | 'platform'>): DockerCopyPlan | { error: string } {
  const platform = dockerPlatform(req.platform);
  if (typeof platform === 'object') return platform;
  const { source, target } = req;
  const fromImage = `${source.endpoint.registry}/${source.repo}`;
  const tagOrDigest = source.ref.digest ?? source.ref.tag ?? 'latest';
  const name = `${target.endpoint.registry}/${target.repo}`;
  const tag = target.ref.tag ?? (target.ref.digest ? tagFromDigest(target.ref.digest) : 'latest');
  return {
    pull: { fromImage, tagOrDigest, platform },
    pulledRef: sourceReference(source),
    push: { name, tag },
    targetRef: `${name}:${tag}`,
  };
}

function dockerPlatform(choice: PlatformChoice): string | undefined | { error: string } {
  if (choice.kind === 'default') return undefined;
  // Config loading rejects this with relay docker; an auto-selected relay can still get it.
  if (choice.kind === 'all') return { error: "relay 'docker' does not support mappings with 'platform: all'" };
  return formatPlatform(choice);
}
