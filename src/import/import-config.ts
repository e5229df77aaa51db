/**
 * `dregsy import`'s core, without IO: the peer formats by name, and one function that reads
 * already-loaded files into the chosen format and returns the neutral ImportResult.
 */
import { ImportBuilder, type ImportResult } from './import-result.js';
import { ImportInputError, readPeerFile, type InputProblem, type PeerFile } from './peer-file.js';
import { ImportContext, type PeerFormat } from './peer-format.js';
import { regsync } from './regsync.js';
import { skopeoSync } from './skopeo-sync.js';
import { imageSyncer } from './image-syncer.js';
import { pictureBook } from './picture-book.js';

export const FORMATS: Readonly<Record<string, PeerFormat>> = {
  regsync,
  'skopeo-sync': skopeoSync,
  'image-syncer': imageSyncer,
  'picture-book': pictureBook,
};

export interface LoadedInput {
  name: string;
  text: string;
}

export function importConfig(format: PeerFormat, inputs: readonly LoadedInput[], args: readonly string[]): ImportResult {
  const problems: InputProblem[] = [];
  const files: PeerFile[] = [];
  for (const i of inputs) {
    try {
      files.push(readPeerFile(i.name, i.text));
    } catch (e) {
      if (!(e instanceof ImportInputError)) throw e;
      problems.push(...e.problems);
    }
  }
  // Every unreadable file at once, as config errors are reported.
  if (problems.length > 0) throw new ImportInputError(problems);
  const builder = new ImportBuilder(format.name, inputs.map((i) => i.name));
  const config = format.convert({ files, args }, new ImportContext(builder));
  return builder.result(config);
}
