/** A config text through the loader, as the lines a user sees (`FILE:LINE: PATH: MESSAGE`). */
import { formatProblem } from '../../src/errors.js';
import { InvalidConfigError, parseConfigText } from '../../src/config/load.js';

export const CHECKED_FILE = 'c.yaml';

export function checkConfigText(text: string): { errors: string[]; warnings: string[] } {
  try {
    const loaded = parseConfigText(text, CHECKED_FILE);
    return { errors: [], warnings: loaded.warnings.map((p) => formatProblem(CHECKED_FILE, p)) };
  } catch (e) {
    if (!(e instanceof InvalidConfigError)) throw e;
    return { errors: e.problems.map((p) => formatProblem(CHECKED_FILE, p)), warnings: e.warnings.map((p) => formatProblem(CHECKED_FILE, p)) };
  }
}
