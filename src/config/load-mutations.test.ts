/**
 * Property: whatever a config file holds, loading it either gives a config or a ConfigError
 * listing its problems, quickly: never another exception (a crash with a stack trace), never
 * a long wait. The cases are valid configs broken the ways test/support/config-mutations.ts
 * describes; the same generator drives the CLI in test/e2e/config-mutations.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { mutatedConfig } from '../../test/support/config-mutations.js';
import { ConfigError } from '../errors.js';
import { loadConfig } from './load.js';

const BOUND_MS = 3_000;

test('property: any mutated config loads or is a ConfigError, within a time bound', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dregsy-mutations-'));
  try {
    const file = join(dir, 'config.yaml');
    let errors = 0;
    await fc.assert(
      fc.asyncProperty(mutatedConfig, async (m) => {
        await writeFile(file, m.bytes);
        const started = performance.now();
        try {
          await loadConfig(file, {});
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          errors++;
          assert.ok(e.problems.length > 0);
          assert.doesNotMatch(e.message, /[\x00-\x09\x0b-\x1f\x7f]/, 'no control characters in what is printed');
        }
        assert.ok(performance.now() - started < BOUND_MS, `took ${Math.round(performance.now() - started)} ms`);
      }),
      { seed: 20_240_601, numRuns: 120 },
    );
    // the generator must break configs, or this test proves nothing
    assert.ok(errors > 50, `only ${errors} of 120 cases were config errors`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
