/**
 * Commander wiring of the commands that talk to a running dregsy's API: `status`, `pause`,
 * `resume`, `run` (one module each). Exit codes: 0 done (status: every last run succeeded),
 * 1 a task failing or the API refused or could not be reached, 2 a wrong command line.
 */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { readEnvironment } from '../config/environment.js';
import { ApiError, createApiClient, type ApiClient, type ApiCommandOptions } from './api-client.js';
import { pauseCommand } from './pause-command.js';
import { resumeCommand } from './resume-command.js';
import { runCommand } from './run-command.js';
import type { CliIo } from './run-sync.js';
import { statusCommand } from './status-command.js';
import { ExitCode } from './exit-codes.js';

type Chosen = () => Promise<number>;

function apiOptions(cmd: Command): Command {
  return cmd
    .option('--api <url>', 'where the running dregsy listens (default: $DREGSY_API, else http://127.0.0.1:8080)')
    .option('--token-file <file>', 'a file holding the API token (default: $DREGSY_API_TOKEN, else the file in $DREGSY_API_TOKEN_FILE)');
}

/** Runs one API command: its client built, an ApiError printed as a message with exit 1. */
async function withClient(io: CliIo, opts: ApiCommandOptions, body: (client: ApiClient) => Promise<number>): Promise<number> {
  const client = await createApiClient(opts, readEnvironment(io.env));
  try {
    return await body(client);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    io.stderr.write(`dregsy: ${e.message}\n`);
    return ExitCode.failed;
  }
}

/** Adds the commands to `program`; `choose` receives the one the command line picked. */
export function addApiCommands(program: Command, io: CliIo, choose: (run: Chosen) => void): void {
  const configure = (cmd: Command) =>
    apiOptions(cmd)
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  configure(program.command('status').description("show a running dregsy's tasks: state, last and next run, counts (exit 1: a task's last run failed)"))
    .option('--json', 'print the API answer as JSON')
    .action((o: ApiCommandOptions) => choose(() => withClient(io, o, (c) => statusCommand(c, io.stdout, o.json === true, Date.now))));
  configure(program.command('pause').argument('<task>').description('pause a task of a running dregsy (its run in flight finishes)'))
    .action((task: string, o: ApiCommandOptions) => choose(() => withClient(io, o, (c) => pauseCommand(c, task, io.stdout))));
  configure(program.command('resume').argument('<task>').description('resume a paused task of a running dregsy'))
    .action((task: string, o: ApiCommandOptions) => choose(() => withClient(io, o, (c) => resumeCommand(c, task, io.stdout))));
  configure(program.command('run').argument('<task>').description('run a task of a running dregsy now'))
    .option('--wait', 'wait for the run to end; exit 1 if it failed')
    .action((task: string, o: ApiCommandOptions & { wait?: boolean }) => choose(() => withClient(io, o, (c) => runCommand(c, task, o.wait === true, io.stdout, (ms) => sleep(ms)))));
}
