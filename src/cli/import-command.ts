/**
 * `dregsy import --from FORMAT FILE… [-- PEER-COMMAND-LINE]`: prints a dregsy config converted
 * from another sync tool's files. Wiring only: the run is import-run.ts, the conversion
 * src/import/, both loaded when the command is given (with its `--help` too, which lists the
 * formats), so a sync never loads them.
 */
import { Command, Option } from 'commander';
import type { CliIo } from './run-sync.js';

/** Set by the command's action: main.ts returns it as the exit code. */
export interface ImportOutcome {
  exitCode?: number;
}

type Io = Pick<CliIo, 'stdout' | 'stderr'>;

/** Operands after `--` are the peer's own command line; commander hands them over with the files. */
function splitPeerArgs(cmd: Command, operands: string[]): { files: string[]; peerArgs: string[] } {
  // commander keeps the argv it parsed as `rawArgs` (not in its typings); only it shows where `--` was.
  const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
  const start = raw.indexOf(cmd.name());
  const dashes = raw.indexOf('--', start < 0 ? 0 : start);
  const count = dashes < 0 ? 0 : raw.length - dashes - 1;
  return { files: operands.slice(0, operands.length - count), peerArgs: operands.slice(operands.length - count) };
}

export function addImportCommand(program: Command, io: Io): ImportOutcome {
  const outcome: ImportOutcome = {};
  // its choices, the formats, come with the converters
  const from = new Option('--from <format>', 'the tool the files are for').makeOptionMandatory();
  const cmd = program
    .command('import')
    .description('print a dregsy config converted from another sync tool\'s files (exit 1: something could not be converted)')
    .addOption(from)
    .argument('[files...]', "the tool's files; after -- its own command line (e.g. skopeo sync's flags and destination)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  // Before the command's own options are parsed (its --help among them): the formats are known then.
  program.hook('preSubcommand', async (_program, sub) => {
    if (sub !== cmd) return;
    const { FORMATS, runImport } = await import('./import-run.js');
    from.choices(Object.keys(FORMATS));
    cmd
      .addHelpText('after', `\nFormats:\n${Object.values(FORMATS).map((f) => `  ${f.name.padEnd(13)} ${f.summary}`).join('\n')}\n`)
      .action(async (operands: string[], opts: { from: string }) => {
        const { files, peerArgs } = splitPeerArgs(cmd, operands);
        outcome.exitCode = await runImport(opts.from, files, peerArgs, io);
      });
  });
  return outcome;
}
