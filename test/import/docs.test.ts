/** docs/importing.md shows every option table of src/import as it is now. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { FORMATS } from '../../src/import/import-config.js';
import { withCurrentTables } from '../../src/import/import-docs.js';

test('docs/importing.md has the current option tables (rewrite: node --import tsx scripts/import-docs.ts)', async () => {
  const doc = await readFile(new URL('../../docs/importing.md', import.meta.url), 'utf8');
  assert.equal(withCurrentTables(doc, Object.values(FORMATS)), doc);
  for (const f of Object.values(FORMATS)) {
    for (const { table } of f.tables) for (const option of Object.keys(table)) assert.ok(doc.includes(`| \`${option}\` |`), `${f.name}: ${option}`);
  }
});

test('README lists the import command and links the mapping tables', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes('| `dregsy import --from regsync\\|skopeo-sync\\|image-syncer\\|picture-book FILE…'));
  assert.match(readme, /docs\/importing\.md/);
});
