/** Build step: `node dist/config/write-json-schema.js OUT.json` writes the config's JSON Schema. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './json-schema.js';

export async function writeJsonSchema(out: string): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
}

// only when run as a script, never on import
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out) {
    await writeJsonSchema(out);
  } else {
    process.stderr.write('usage: node dist/config/write-json-schema.js OUT.json\n');
    process.exitCode = 2;
  }
}
