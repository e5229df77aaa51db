/**
 * dregsy takes Go-style flags (`-config=FILE`, `-run REGEX`, one dash). commander wants two
 * dashes for long options, so single-dash long flags we know are rewritten first.
 */
const LONG_FLAGS = ['config', 'run', 'version', 'help', 'report', 'force', 'grace-period', 'verbose', 'listen', 'shard'];

export function normalizeGoFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^-([a-z][a-z-]*)(=.*)?$/.exec(arg);
    if (m && LONG_FLAGS.includes(m[1]!)) out.push(`--${m[1]!}${m[2] ?? ''}`);
    else out.push(arg);
  }
  return out;
}
