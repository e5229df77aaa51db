/**
 * argv for `skopeo copy`, as dregsy builds it (reference §A.8–A.9), except that credentials
 * travel in authfiles (paths only in argv) instead of `--src-creds`/`--dest-creds`, and an
 * anonymous side says so (`--src-no-creds`), so skopeo looks up no credentials for it.
 */
import type { PlatformChoice } from '../../plan/platform.js';
import { certDirFor } from '../../registry/tls.js';
import { sourceReference, targetReference, type ImageLocation } from '../relay.js';

export interface SkopeoCopyArgsInput {
  source: ImageLocation;
  target: ImageLocation;
  platform: PlatformChoice;
  certsDir: string;
  /** undefined: anonymous access. */
  srcAuthfile: string | undefined;
  destAuthfile: string | undefined;
  /** skopeo's own retries of a copy (`--retry-times`); omitted: none. */
  retryTimes?: number;
}

export function skopeoCopyArgs(input: SkopeoCopyArgsInput): string[] {
  const args = ['--insecure-policy'];
  args.push('copy');
  if (input.retryTimes) args.push(`--retry-times=${input.retryTimes}`);
  if (input.source.endpoint.skipTlsVerify) args.push('--src-tls-verify=false');
  if (input.target.endpoint.skipTlsVerify) args.push('--dest-tls-verify=false');
  args.push(`--src-cert-dir=${certDirFor(input.certsDir, input.source.endpoint.registry)}`);
  args.push(`--dest-cert-dir=${certDirFor(input.certsDir, input.target.endpoint.registry)}`);
  args.push(input.srcAuthfile === undefined ? '--src-no-creds' : `--src-authfile=${input.srcAuthfile}`);
  args.push(input.destAuthfile === undefined ? '--dest-no-creds' : `--dest-authfile=${input.destAuthfile}`);
  const p = input.platform;
  // --preserve-digests: the index arrives byte for byte, so the next run's digest check holds.
  if (p.kind === 'all') args.push('--all', '--preserve-digests');
  if (p.kind === 'one') {
    args.push(`--override-os=${p.os}`);
    if (p.architecture) args.push(`--override-arch=${p.architecture}`);
    if (p.variant) args.push(`--override-variant=${p.variant}`);
  }
  args.push(`docker://${sourceReference(input.source)}`, `docker://${targetReference(input.target)}`);
  return args;
}
