/**
 * What a batch of copies looks like to `skopeo sync` (skopeo-batch.ts), as pure functions:
 * which requests one sync can carry, its argv, its source list, and which images its log says
 * it delivered.
 *
 * `skopeo sync --src yaml` copies the tags a source list names to `<destination>/<last path
 * element of the source repository>:<tag>`: a batch needs the target repository to end in the
 * source repository's last element, tags on both sides (sync cannot pull by digest), and a
 * platform choice sync can express (all platforms, or skopeo's default; not one named platform).
 * Digests stay as the per-image copy keeps them: `--all --preserve-digests` for all platforms.
 * Credentials travel as in `skopeo copy` (skopeo-args.ts): authfiles, or `--*-no-creds`.
 */
import { certDirFor } from '../../registry/tls.js';
import type { CopyRequest } from '../relay.js';

/** What every request of one batch shares; undefined when sync cannot carry this request. */
export function syncBatchKey(req: CopyRequest): string | undefined {
  const { source, target, platform } = req;
  if (platform.kind === 'one') return undefined;
  if (source.ref.digest !== undefined || source.ref.tag === undefined || target.ref.digest !== undefined || target.ref.tag !== source.ref.tag) return undefined;
  if (lastElement(source.repo) !== lastElement(target.repo)) return undefined;
  return JSON.stringify([source.endpoint.registry, source.repo, target.endpoint.registry, target.repo, platform.kind, req.verbose]);
}

export interface SkopeoSyncArgsInput {
  /** Requests that share one syncBatchKey. */
  requests: readonly CopyRequest[];
  certsDir: string;
  /** undefined: anonymous access. */
  srcAuthfile: string | undefined;
  destAuthfile: string | undefined;
  retryTimes: number;
  /** The file holding syncSourceList's text. */
  sourceListPath: string;
}

export function skopeoSyncArgs(input: SkopeoSyncArgsInput): string[] {
  const first = input.requests[0];
  if (!first) throw new Error('an empty batch');
  const { target, platform } = first;
  // --keep-going: one image that fails does not stop the others; its error names it.
  const args = ['--insecure-policy', 'sync', '--src', 'yaml', '--dest', 'docker', '--keep-going'];
  if (input.retryTimes > 0) args.push(`--retry-times=${input.retryTimes}`);
  if (target.endpoint.skipTlsVerify) args.push('--dest-tls-verify=false');
  args.push(`--dest-cert-dir=${certDirFor(input.certsDir, target.endpoint.registry)}`);
  args.push(input.srcAuthfile === undefined ? '--src-no-creds' : `--src-authfile=${input.srcAuthfile}`);
  args.push(input.destAuthfile === undefined ? '--dest-no-creds' : `--dest-authfile=${input.destAuthfile}`);
  if (platform.kind === 'all') args.push('--all', '--preserve-digests');
  args.push(input.sourceListPath, syncDestination(first));
  return args;
}

/** The source list (YAML; JSON is YAML and needs no quoting rules of its own). */
export function syncSourceList(requests: readonly CopyRequest[], certsDir: string): string {
  const first = requests[0];
  if (!first) throw new Error('an empty batch');
  const { endpoint, repo } = first.source;
  const tags = [...new Set(requests.map((r) => r.source.ref.tag ?? 'latest'))];
  return JSON.stringify({
    [endpoint.registry]: { 'tls-verify': !endpoint.skipTlsVerify, 'cert-dir': certDirFor(certsDir, endpoint.registry), images: { [repo]: tags } },
  });
}

/** `host[/path]`: sync appends the source repository's last element to it. */
export function syncDestination(req: CopyRequest): string {
  const { endpoint, repo } = req.target;
  const slash = repo.lastIndexOf('/');
  return slash < 0 ? endpoint.registry : `${endpoint.registry}/${repo.slice(0, slash)}`;
}

/**
 * The tags a sync delivered, read from its log: sync copies one image after another, saying
 * `Copying image ref i/n` before each and naming each failure (`Error copying ref "…"`), and
 * `Synced …` at the end. An image whose copy began, did not fail, and was followed by the next
 * one or the end, was delivered; the one a killed process was copying was not.
 */
export function deliveredTags(log: string): Set<string> {
  const delivered = new Set<string>();
  let current: string | undefined;
  const failed = new Set<string>();
  for (const line of log.split('\n')) {
    const started = /msg="Copying image ref \d+\/\d+" from="([^"]*)"/.exec(line);
    const error = /msg="Error copying ref \\"([^"\\]*)\\"/.exec(line);
    if (error?.[1] !== undefined) {
      failed.add(tagOf(error[1]));
      continue;
    }
    if (started?.[1] !== undefined || /msg="Synced \d+ images/.test(line)) {
      if (current !== undefined && !failed.has(current)) delivered.add(current);
      current = started?.[1] !== undefined ? tagOf(started[1]) : undefined;
    }
  }
  for (const tag of failed) delivered.delete(tag);
  return delivered;
}

/** The tag of `transport://host/repo:tag` (a port's colon comes before the last slash). */
function tagOf(ref: string): string {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : 'latest';
}

function lastElement(repo: string): string {
  return repo.slice(repo.lastIndexOf('/') + 1);
}
