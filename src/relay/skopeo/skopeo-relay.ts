/**
 * The skopeo relay: one `skopeo copy` process per image reference, or one `skopeo sync` for
 * several tags of one repository (skopeo-batch.ts). skopeo retries within a copy
 * (`--retry-times`); a copy that still fails transiently (by its stderr: failure-text.ts) is
 * run again under the run's retry policy, a permanent failure is reported at once. The
 * policy's tries count per failing step of the copy (the ping, a blob, the manifest), since a
 * whole copy through a flaky registry fails about half its tries while each request is rare
 * to fail twice; the run's budget still ends the retries against a dead registry.
 */
import type { AuthfileStore } from '../../auth/authfile.js';
import { EnvironmentError, RelayError } from '../../errors.js';
import { runProcess } from '../../exec/exec.js';
import type { Redactor } from '../../log/redact.js';
import { classifyFailureText, failedStep } from '../failure-text.js';
import { sourceReference, targetReference, type CopyContext, type CopyRequest, type Relay } from '../relay.js';
import { defaultRelayRetry, retryRelayStep, type RelayRetry } from '../relay-retry.js';
import { skopeoCopyArgs } from './skopeo-args.js';
import { skopeoEnvironment } from './skopeo-env.js';
import { lastLines, summarize } from './skopeo-output.js';
import { createSkopeoBatch } from './skopeo-batch.js';

export interface SkopeoRelayOptions {
  binary: string;
  certsDir: string;
  authfiles: AuthfileStore;
  redactor: Redactor;
  /** How long a copy may take after the process is asked to stop before it is killed. */
  killGraceMs?: number;
  /** The run's retry policy and registry budgets; default: the default policy, a budget of its own. */
  retry?: RelayRetry;
  /** The binary answered `--version` already (the automatic relay choice asked it): prepare() does not start it again. */
  answered?: boolean;
}

/**
 * skopeo's own retries per copy (it waits 1 s, 2 s, 4 s, … between them, and retries only some
 * failures); ours (the run's policy) come around it, with the budget that ends them for a dead
 * registry, so skopeo's stay few.
 */
const SKOPEO_RETRY_TIMES = 2;

/** How many of skopeo's last output lines an error carries. */
const STDERR_TAIL_LINES = 5;

export function createSkopeoRelay(opts: SkopeoRelayOptions): Relay {
  const retry = opts.retry ?? defaultRelayRetry();
  const relay: Relay & { copyOnce(req: CopyRequest, ctx: CopyContext, retryTimes: number): Promise<void> } = {
    name: 'skopeo',
    // Several new tags of one repository: one `skopeo sync` (skopeo-batch.ts).
    batch: createSkopeoBatch({ ...opts, killGraceMs: opts.killGraceMs ?? 5_000, retry, retryTimes: Math.min(SKOPEO_RETRY_TIMES, retry.policy.attempts - 1) }),
    async prepare(signal) {
      const r = opts.answered ? undefined : await runProcess(opts.binary, ['--version'], { ...(signal ? { signal } : {}), timeoutMs: 30_000 });
      if (r && (r.spawnError !== undefined || r.exitCode !== 0)) {
        const why = r.spawnError ?? (opts.redactor.redact(r.stderr.trim()) || `exit code ${String(r.exitCode)}`);
        throw new EnvironmentError(
          `cannot execute skopeo ('${opts.binary}'): ${why}. Install skopeo (e.g. 'apt-get install skopeo') or set 'skopeo.binary' in the config.`,
        );
      }
      // Made now, not at the first copy: an unusable temp folder is one clear error at start.
      await opts.authfiles.open();
    },
    copy(req: CopyRequest, ctx: CopyContext) {
      return retryRelayStep({
        retry,
        req,
        logger: ctx.logger,
        signal: ctx.signal,
        touches: 'both',
        what: `skopeo copy ${sourceReference(req.source)} → ${targetReference(req.target)}`,
        // Only what skopeo said counts: a shutdown or a missing binary is never retried.
        classify: (e) => (e instanceof RelayError && e.exitCode !== undefined ? classifyFailureText(e.stderrTail) : { retry: false }),
        textOf: (e) => (e instanceof RelayError ? e.stderrTail : ''),
        // A copy is a dozen requests and fails at its first failing one: each of them gets the
        // policy's tries (retry.ts `stepOf`), not the copy as a whole.
        stepOf: (e) => failedStep(e instanceof RelayError ? e.stderrTail : ''),
        annotate: (e, note) => (e instanceof RelayError ? new RelayError(`${e.message}${note}`, e.command, e.exitCode, e.stderrTail) : e),
        op: () => relay.copyOnce(req, ctx, Math.min(SKOPEO_RETRY_TIMES, retry.policy.attempts - 1)),
      });
    },
    async copyOnce(req, ctx, retryTimes) {
      const authfile = ({ registry, credentials }: CopyRequest['source']['endpoint']) => (credentials ? opts.authfiles.fileFor(registry, credentials) : undefined);
      const [srcAuthfile, destAuthfile] = await Promise.all([authfile(req.source.endpoint), authfile(req.target.endpoint)]);
      const args = skopeoCopyArgs({
        source: req.source,
        target: req.target,
        platform: req.platform,
        certsDir: opts.certsDir,
        srcAuthfile,
        destAuthfile,
        retryTimes,
      });
      const from = sourceReference(req.source);
      const to = targetReference(req.target);
      ctx.logger.debug('skopeo copy', { from, to });
      ctx.logger.trace('exec', { argv: [opts.binary, ...args].join(' ') });
      const r = await runProcess(opts.binary, args, {
        env: skopeoEnvironment(await opts.authfiles.home()),
        signal: ctx.signal,
        killGraceMs: opts.killGraceMs ?? 5_000,
        ...(req.verbose ? { onLine: (line: string) => ctx.logger.debug(opts.redactor.redact(line), { relay: 'skopeo' }) } : {}),
      });
      if (r.exitCode === 0) return;
      const tail = opts.redactor.redact(lastLines(r.stderr || r.stdout, STDERR_TAIL_LINES));
      const command = opts.redactor.redact(`${opts.binary} copy ${from} ${to}`);
      let message: string;
      if (r.cancelled) message = `copy ${from} → ${to} stopped by shutdown`;
      else if (r.spawnError !== undefined) message = `cannot execute skopeo ('${opts.binary}'): ${r.spawnError}`;
      else message = `copy ${from} → ${to} failed (skopeo exit code ${String(r.exitCode ?? r.signal)}): ${summarize(tail)}`;
      throw new RelayError(message, command, r.exitCode, tail);
    },
    async dispose() {
      // The authfile store is owned by whoever created it.
    },
  };
  return relay;
}
