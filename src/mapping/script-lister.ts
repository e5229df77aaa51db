/**
 * The `script` lister (not in dregsy; picture-book's `syncerScript`): the source's image list
 * is what a command prints, one reference per line (script-output.ts). The command runs
 * through exec/ (no shell unless the config names one) at every task run that needs the list,
 * once per run however many mappings read it; nothing is cached across runs, since the point of
 * a script is a list that changes. A failure (exit code, timeout, a command that cannot start)
 * fails the mappings that read the list, and so the run; it never stops dregsy.
 *
 * The command's environment is dregsy's (less the webhook secret) plus the lister's `env`,
 * whose values are handed to the redactor first: a script that echoes its token on stderr
 * does not put it in the log. Only the program's name is logged, never its environment.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { runProcess } from '../exec/exec.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import { parseScriptOutput, type ScriptListing } from './script-output.js';

export interface ScriptListerSpec {
  cmd: string;
  args: string[];
  workdir: string | undefined;
  env: Record<string, string>;
  timeoutMs: number;
}

export interface ScriptRunContext {
  /** The config file's folder: relative `cmd` paths and `workdir` are relative to it. */
  baseDir: string;
  /** dregsy's environment less its own secrets. */
  baseEnv: Record<string, string>;
  task: string;
  logger: Logger;
  redactor: Redactor;
  signal: AbortSignal;
  /** Whether a host written in front of a line is the task's source registry. */
  isSource: (host: string) => boolean;
}

/** The script could not give a list: why, with the end of its stderr (redacted). */
export class ScriptListerError extends Error {
  override readonly name = 'ScriptListerError';
}

const STDERR_TAIL_LINES = 5;

/** A name without a slash is looked up in PATH, as a shell would; a relative path is the config's. */
export function commandPath(cmd: string, baseDir: string): string {
  return cmd.includes('/') && !isAbsolute(cmd) ? resolvePath(baseDir, cmd) : cmd;
}

export async function runScriptLister(spec: ScriptListerSpec, ctx: ScriptRunContext): Promise<ScriptListing> {
  // Values this short are no secret worth hiding, and masking them would garble every line.
  for (const value of Object.values(spec.env)) if (value.length >= 4) ctx.redactor.add(value);
  const file = commandPath(spec.cmd, ctx.baseDir);
  const cwd = spec.workdir === undefined ? ctx.baseDir : resolvePath(ctx.baseDir, spec.workdir);
  const started = Date.now();
  ctx.logger.debug(`script lister: running '${spec.cmd}'`);
  const r = await runProcess(file, spec.args, {
    env: { ...ctx.baseEnv, ...spec.env, DREGSY_TASK: ctx.task },
    extendEnv: false,
    cwd,
    timeoutMs: spec.timeoutMs,
    signal: ctx.signal,
    group: true,
  });
  const what = `script lister '${spec.cmd}'`;
  const tail = () => {
    const lines = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(-STDERR_TAIL_LINES);
    return lines.length > 0 ? `: ${ctx.redactor.redact(lines.join(' | '))}` : '';
  };
  if (r.spawnError !== undefined) throw new ScriptListerError(`${what} cannot start: ${ctx.redactor.redact(r.spawnError)}`);
  if (r.timedOut) throw new ScriptListerError(`${what} ran past its timeout (${formatMs(spec.timeoutMs)}) and was ended`);
  if (r.cancelled) throw new ScriptListerError(`${what} was ended by the shutdown`);
  if (r.exitCode !== 0) throw new ScriptListerError(`${what} failed (${r.signal ? `signal ${r.signal}` : `exit code ${String(r.exitCode)}`})${tail()}`);
  for (const line of r.stderr.split('\n').filter(Boolean)) ctx.logger.debug(`script lister stderr: ${line}`);
  const listing = parseScriptOutput(r.stdout, ctx.isSource);
  ctx.logger.debug(`script lister: ${listing.repos.length} repositories, ${listing.problems.length} bad line(s)`, { ms: Date.now() - started });
  return listing;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
