// Rewrites the option tables in docs/importing.md from src/import (run: node --import tsx scripts/import-docs.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { FORMATS } from '../src/import/import-config.js';
import { withCurrentTables } from '../src/import/import-docs.js';

const file = new URL('../docs/importing.md', import.meta.url);
await writeFile(file, withCurrentTables(await readFile(file, 'utf8'), Object.values(FORMATS)));
