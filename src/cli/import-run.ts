/**
 * `dregsy import`'s run: reads the files, converts them (src/import/) and prints the result.
 * Loaded only when the command is given (import-command.ts): the converters and their schemas
 * are no part of a sync's start.
 * Exit codes: 0 everything converted, 1 something was left out (listed in the output's header
 * and on standard error), 2 the command line or an input file is wrong (file:line: problem).
 */
import { MAX_CONFIG_BYTES } from '../config/load.js';
import { errorMessage, escapeControls } from '../errors.js';
import { readTextFile, TextFileError } from '../files/read-text-file.js';
import { FORMATS, importConfig, type LoadedInput } from '../import/import-config.js';
import { formatWhere } from '../import/import-result.js';
import { ImportInputError } from '../import/peer-file.js';
import { dropWarnings, renderImport } from '../import/render-yaml.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './run-sync.js';

export { FORMATS };

type Io = Pick<CliIo, 'stdout' | 'stderr'>;

/** Runs one import and returns its exit code. */
export async function runImport(formatName: string, files: readonly string[], peerArgs: readonly string[], io: Io): Promise<number> {
  const format = FORMATS[formatName];
  if (!format) {
    io.stderr.write(`dregsy import: unknown format '${formatName}' (one of ${Object.keys(FORMATS).join(', ')})\n`);
    return ExitCode.usage;
  }
  let names: string[];
  try {
    names = [...new Set([...files, ...format.filesIn(peerArgs)])];
  } catch (e) {
    if (!(e instanceof ImportInputError)) throw e;
    names = [...files];
  }
  if (names.length === 0) {
    io.stderr.write(`dregsy import: no ${format.name} file given\nusage: dregsy import --from ${format.name} FILE… [-- ${format.name} command line]\n`);
    return ExitCode.usage;
  }
  const inputs: LoadedInput[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    try {
      // as for a config: a regular UTF-8 text file of sane size, so no path can hang or flood us
      inputs.push({ name, text: await readTextFile(name, { maxBytes: MAX_CONFIG_BYTES }) });
    } catch (e) {
      unreadable.push(escapeControls(`cannot read '${name}': ${e instanceof TextFileError ? e.reason : errorMessage(e)}`));
    }
  }
  if (unreadable.length > 0) {
    for (const line of unreadable) io.stderr.write(`dregsy import: ${line}\n`);
    return ExitCode.usage;
  }
  try {
    const result = importConfig(format, inputs, peerArgs);
    io.stdout.write(renderImport(result));
    for (const line of dropWarnings(result)) io.stderr.write(`dregsy import: ${line}\n`);
    for (const e of result.env) io.stderr.write(`dregsy import: set ${e.name} before running dregsy: ${escapeControls(e.holds)}\n`);
    return result.dropped.length > 0 ? ExitCode.failed : ExitCode.ok;
  } catch (e) {
    if (!(e instanceof ImportInputError)) throw e;
    io.stderr.write(`dregsy import: cannot convert (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):\n`);
    for (const p of e.problems) io.stderr.write(`${escapeControls(`${formatWhere(p.at)}: ${p.message}`)}\n`);
    return ExitCode.usage;
  }
}
