/**
 * Go regular expressions for the config's `regex:` values, the tag filters and `-run`.
 *
 * Tag and repository names come from registries we do not control, so a filter must not be
 * able to hang a run: expressions run on re2js, a port of RE2 / Go's regexp, which matches in
 * time linear in the input (no backtracking) and reads Go's syntax with Go's meaning and error
 * messages. What re2js does not do like Go is handled here: it refuses a group name used twice,
 * which Go accepts (see `compileRe2`).
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { replaceAllGo } from './go-expand.js';
import { goTrimSpace } from './go-text.js';

/** Go's `*syntax.Error`: same message, so dregsy's error texts come out unchanged. */
export class GoRegexError extends Error {
  override readonly name = 'GoRegexError';
  constructor(
    readonly code: string,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

/** A compiled Go expression: `MatchString` and `ReplaceAllString`. */
export class GoRegex {
  constructor(
    /** The Go text compiled, anchors included, as dregsy shows it. */
    readonly source: string,
    private readonly re: RE2JS,
    /** Go's `SubexpNames`: the name of each group by number; index 0 is the whole match. */
    readonly groupNames: readonly (string | undefined)[],
  ) {}

  /** Go's `MatchString`: true when the expression matches anywhere in `s`. */
  test(s: string): boolean {
    return this.re.test(s);
  }

  /** Go's `ReplaceAllString`, `$1`, `${1}`, `${name}` and `$$` expanded as Go does. */
  replaceAll(input: string, template: string): string {
    return replaceAllGo(this.re.matcher(input), input, template, this.groupNames);
  }
}

/**
 * Compiles a Go (RE2) expression. `anchored` applies dregsy's `util.CompileRegex(v, true)`:
 * `^` is prepended unless the text starts with `^`, `$` appended unless it ends with `$`.
 * That is text, not a group, so `a|b` becomes `^a|b$` (starts with a, or ends with b) exactly
 * as in dregsy, and a trailing `\` becomes the escaped `\$`. Errors carry Go's message, for
 * the anchored text, as dregsy reports it.
 */
export function compileGoRegex(expr: string, anchored: boolean): GoRegex {
  let text = expr;
  if (anchored) {
    if (!text.startsWith('^')) text = `^${text}`;
    if (!text.endsWith('$')) text = `${text}$`;
  }
  const { re, names } = compileRe2(text);
  return new GoRegex(text, re, names);
}

export interface InvertibleRegex {
  regex: GoRegex;
  inverted: boolean;
  test(s: string): boolean;
}

/** dregsy's `util.NewRegex`: trimmed, a leading `!` inverts, always anchored. */
export function compileInvertible(expr: string): InvertibleRegex {
  const text = goTrimSpace(expr);
  const inverted = text.startsWith('!');
  const regex = compileGoRegex(inverted ? text.slice(1) : text, true);
  return { regex, inverted, test: (s) => regex.test(s) !== inverted };
}

const DUPLICATE_NAME = 'duplicate capture group name';

/**
 * Go accepts a group name given twice (`$name` then takes the first such group that matched);
 * re2js refuses it. Each repeated name is compiled under a name of its own and mapped back.
 * Only occurrences that really are groups keep the stand-in: the same text inside a class or
 * `\Q…\E` is literal and is put back, so the expression matches exactly what Go's would.
 */
function compileRe2(text: string): { re: RE2JS; names: (string | undefined)[] } {
  const standIns = new Map<string, string>();
  let current = text;
  // each round renames one repeated name or puts literals back; more rounds than that is a bug
  for (let round = 0; ; round++) {
    let re: RE2JS;
    try {
      re = RE2JS.compile(current);
    } catch (e) {
      if (!(e instanceof RE2JSSyntaxException)) throw e;
      const dup = e.error === DUPLICATE_NAME ? e.input : null;
      if (dup === null || !current.includes(`<${dup}>`) || round > text.length) throw goError(e, standIns);
      current = renameAll(current, dup, standIns);
      continue;
    }
    const groups = re.namedGroups();
    const literal = [...standIns.keys()].filter((s) => groups[s] === undefined);
    if (literal.length > 0) {
      for (const s of literal) {
        current = current.replaceAll(`<${s}>`, `<${standIns.get(s) ?? ''}>`);
        standIns.delete(s);
      }
      continue;
    }
    return { re, names: groupNames(re, standIns) };
  }
}

/** Gives every `(?P<name>` and `(?<name>` a stand-in name found nowhere in the text. */
function renameAll(text: string, name: string, standIns: Map<string, string>): string {
  let n = 0;
  return text.replace(new RegExp(`\\(\\?(P?)<${name}>`, 'g'), (_m, p: string) => {
    let standIn: string;
    do standIn = `${name}_${++n}_dup`;
    while (text.includes(standIn) || standIns.has(standIn));
    standIns.set(standIn, name);
    return `(?${p}<${standIn}>`;
  });
}

function groupNames(re: RE2JS, standIns: ReadonlyMap<string, string>): (string | undefined)[] {
  const names: (string | undefined)[] = new Array<string | undefined>(re.groupCount() + 1).fill(undefined);
  for (const [name, index] of Object.entries(re.namedGroups())) names[index] = standIns.get(name) ?? name;
  return names;
}

/** Go's message; re2js omits the quoted part when Go quotes an empty one. */
function goError(e: RE2JSSyntaxException, standIns: ReadonlyMap<string, string>): GoRegexError {
  let expr = e.input ?? '';
  for (const [standIn, name] of standIns) expr = expr.replaceAll(`<${standIn}>`, `<${name}>`);
  return new GoRegexError(e.error, expr);
}
