/**
 * The skopeo relay's batches: several tags of one repository in one `skopeo sync` process
 * instead of one `skopeo copy` each. A skopeo process costs tens of milliseconds to start, to
 * read its authfiles and to open its connections (ping, token) before the first byte is
 * copied; a run of hundreds of new tags paid that once per tag. The source list names exactly
 * the tags the digest check chose (skopeo-sync-args.ts), so nothing else is copied; it is a
 * private file in the authfile folder, removed after the sync. What the
 * log does not show delivered is left to the caller, which copies it alone with the relay's
 * retries: a batch never decides an image's outcome, and one failing tag loses no other.
 */
import type { AuthfileStore } from '../../auth/authfile.js';
import { RelayError } from '../../errors.js';
import { runProcess } from '../../exec/exec.js';
import type { Redactor } from '../../log/redact.js';
import { apiHost } from '../../registry/hosts.js';
import type { BatchCopier, BatchOutcome, CopyContext, CopyRequest } from '../relay.js';
import type { RelayRetry } from '../relay-retry.js';
import { skopeoEnvironment } from './skopeo-env.js';
import { lastLines, summarize } from './skopeo-output.js';
import { deliveredTags, skopeoSyncArgs, syncBatchKey, syncDestination, syncSourceList } from './skopeo-sync-args.js';

export interface SkopeoBatchOptions {
  binary: string;
  certsDir: string;
  authfiles: AuthfileStore;
  redactor: Redactor;
  killGraceMs: number;
  retry: RelayRetry;
  /** skopeo's own retries per image (`--retry-times`). */
  retryTimes: number;
}

export function createSkopeoBatch(opts: SkopeoBatchOptions): BatchCopier {
  return {
    keyOf: syncBatchKey,
    async copyBatch(requests, ctx) {
      const first = requests[0];
      if (!first) return { delivered: [] };
      const authfile = ({ registry, credentials }: CopyRequest['source']['endpoint']) => (credentials ? opts.authfiles.fileFor(registry, credentials) : undefined);
      const [srcAuthfile, destAuthfile] = await Promise.all([authfile(first.source.endpoint), authfile(first.target.endpoint)]);
      const sourceList = await opts.authfiles.scratchFile(syncSourceList(requests, opts.certsDir));
      try {
        const args = skopeoSyncArgs({ requests, certsDir: opts.certsDir, retryTimes: opts.retryTimes, srcAuthfile, destAuthfile, sourceListPath: sourceList.path });
        return await sync(first, requests, args, ctx);
      } finally {
        await sourceList.remove();
      }
    },
  };

  async function sync(first: CopyRequest, requests: readonly CopyRequest[], args: string[], ctx: CopyContext): Promise<BatchOutcome> {
    const what = `${first.source.endpoint.registry}/${first.source.repo} → ${first.target.endpoint.registry}/${first.target.repo}`;
    ctx.logger.debug(`skopeo sync: ${requests.length} tag(s) of ${what}`);
    ctx.logger.trace('exec', { argv: [opts.binary, ...args].join(' ') });
    const r = await runProcess(opts.binary, args, {
      env: skopeoEnvironment(await opts.authfiles.home()),
      signal: ctx.signal,
      killGraceMs: opts.killGraceMs,
      ...(first.verbose ? { onLine: (line: string) => ctx.logger.debug(opts.redactor.redact(line), { relay: 'skopeo' }) } : {}),
    });
    const done = r.exitCode === 0 ? undefined : deliveredTags(r.stderr);
    const delivered = requests.map((req) => done === undefined || done.has(req.source.ref.tag ?? 'latest'));
    // Each image delivered is a copy that succeeded, as if copied alone: the budget earns for each.
    for (const d of delivered) if (d) opts.retry.health.copySucceeded(apiHost(first.source.endpoint.registry), apiHost(first.target.endpoint.registry));
    if (r.exitCode === 0) return { delivered };
    const tail = opts.redactor.redact(lastLines(r.stderr || r.stdout, 5));
    const command = opts.redactor.redact(`${opts.binary} sync ${first.source.endpoint.registry}/${first.source.repo} ${syncDestination(first)}`);
    const message = r.cancelled
      ? `copy ${what} stopped by shutdown`
      : r.spawnError !== undefined
        ? `cannot execute skopeo ('${opts.binary}'): ${r.spawnError}`
        : `skopeo sync ${what} failed (exit code ${String(r.exitCode ?? r.signal)}): ${summarize(tail)}`;
    const left = delivered.filter((d) => !d).length;
    ctx.logger.debug(`${message}; ${left} of ${requests.length} tag(s) left to copy one by one`);
    return { delivered, failure: new RelayError(message, command, r.exitCode, tail), cancelled: r.cancelled };
  }
}
