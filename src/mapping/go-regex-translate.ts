/**
 * Go RE2 syntax (regexp.Compile, Go 1.24) to JS RegExp source with the same meaning.
 *
 * One left-to-right pass, like Go's parser, so the first problem found is the one Go reports,
 * with Go's wording. Everything is re-emitted rather than passed through, because JS gives
 * meaning to text Go rejects (`\1`, `(?=`) or reads differently (`\s`, `.`, `$1x`).
 * Go's scoped flags become per-token translations: `s` picks what `.` emits, `m` what `^`/`$`
 * emit, `U` swaps greediness. Only `i` has no per-token form in Node 20, so it must cover
 * every case-sensitive token or none (a clear error otherwise).
 *
 * Known differences, none reachable with registry names (ASCII `[a-z0-9._/-]`):
 * - a group inside a repeated group keeps its last value in Go but is reset by JS when a
 *   later iteration skips it (`(?:(a)|b)+` on `ab`: Go's `$1` is `a`, ours empty);
 * - under `(?i)`, `\b` treats U+017F and U+212A (which fold to s and k) as word characters.
 */
import { classBody, perlClass, rangesFoldCase, type CodeRange } from './go-regex-class.js';
import { GoRegexError, parseBracketClass, parseEscape, parseRepeatSpec, parseUnicodeClass } from './go-regex-lex.js';

export { GoRegexError } from './go-regex-lex.js';

export interface GoRegexTranslation {
  source: string;
  flags: string;
  /** Go group names by group number; index 0 (the whole match) is undefined. */
  groupNames: (string | undefined)[];
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

/** One quantifiable unit; `wrap` when JS needs `(?:…)` around it before a quantifier. */
interface Atom {
  src: string;
  wrap: boolean;
  /** Largest product of `{n,m}` counts inside, for Go's nested-repeat limit of 1000. */
  prod: number;
}

interface Frame {
  prefix: string;
  alts: string[];
  atoms: Atom[];
  saved: Flags;
  prod: number;
}

const SYNTAX_CHARS = '^$\\.*+?()[]{}|/';

export function translateGoRegex(expr: string): GoRegexTranslation {
  return new Translator(expr).run();
}

class Translator {
  private pos = 0;
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private readonly frames: Frame[] = [{ prefix: '', alts: [], atoms: [], saved: this.flags, prod: 0 }];
  private readonly names: (string | undefined)[] = [undefined];
  private lastRepeat = -1;
  private foldedTokens = false;
  private unfoldedTokens = false;

  constructor(private readonly expr: string) {}

  run(): GoRegexTranslation {
    while (this.pos < this.expr.length) {
      const start = this.pos;
      // Go rejects a repetition that directly follows another one (`a**`, `a{2}*`).
      this.lastRepeat = this.step() ? start : -1;
    }
    if (this.frames.length !== 1) throw new GoRegexError('missing closing )', this.expr);
    if (this.foldedTokens && this.unfoldedTokens) {
      throw new GoRegexError('not supported here: (?i) must cover the whole expression or none of it', this.expr);
    }
    const root = this.top();
    const source = [...root.alts, join(root.atoms)].join('|');
    return { source, flags: this.foldedTokens ? 'iu' : 'u', groupNames: this.names };
  }

  /** Handles one token; true when it was a repetition operator. */
  private step(): boolean {
    const e = this.expr;
    const c = e[this.pos];
    switch (c) {
      case '(':
        if (e[this.pos + 1] === '?') this.perlGroup();
        else this.open('(', undefined, 1);
        return false;
      case '|':
        this.top().alts.push(join(this.top().atoms));
        this.top().prod = maxProd(this.top());
        this.top().atoms = [];
        this.pos++;
        return false;
      case ')':
        this.close();
        return false;
      case '^':
        return this.assertion(this.flags.m ? '(?<![^\\n])' : '^', 1);
      case '$':
        return this.assertion(this.flags.m ? '(?![^\\n])' : '$', 1);
      case '.':
        this.push(this.flags.s ? '[\\s\\S]' : '[^\\n]', false);
        this.pos++;
        return false;
      case '[': {
        const cls = parseBracketClass(e, this.pos);
        this.classAtom(cls.ranges, cls.props, cls.negated);
        this.pos = cls.end;
        return false;
      }
      case '*':
      case '+':
      case '?':
        this.repeat(this.pos + 1, c, undefined);
        return true;
      case '{':
        return this.braces();
      case '\\':
        this.escape();
        return false;
      default:
        this.literal(e.codePointAt(this.pos) ?? 0);
        return false;
    }
  }

  private top(): Frame {
    return this.frames[this.frames.length - 1] as Frame;
  }

  private push(src: string, wrap: boolean, prod = 1): void {
    this.top().atoms.push({ src, wrap, prod });
  }

  private noteCase(foldable: boolean): void {
    if (!foldable) return;
    if (this.flags.i) this.foldedTokens = true;
    else this.unfoldedTokens = true;
  }

  private assertion(src: string, width: number): false {
    this.push(src, true); // JS cannot quantify assertions directly; Go allows `^*`
    this.pos += width;
    return false;
  }

  private literal(cp: number, advance = true): void {
    const ch = String.fromCodePoint(cp);
    this.noteCase(ch.toLowerCase() !== ch || ch.toUpperCase() !== ch);
    let src: string;
    if (SYNTAX_CHARS.includes(ch)) src = `\\${ch}`;
    else if (cp > 0x20 && cp < 0x7f) src = ch;
    else src = `\\u{${cp.toString(16)}}`;
    this.push(src, false);
    if (advance) this.pos += ch.length;
  }

  private classAtom(ranges: readonly CodeRange[], props: readonly string[], negated: boolean): void {
    this.noteCase(props.length > 0 || rangesFoldCase(ranges));
    this.push(`[${negated ? '^' : ''}${classBody(ranges)}${props.join('')}]`, false);
  }

  private open(prefix: string, name: string | undefined, width: number): void {
    if (prefix === '(') this.names.push(name);
    this.frames.push({ prefix, alts: [], atoms: [], saved: this.flags, prod: 0 });
    this.pos += width;
  }

  private close(): void {
    if (this.frames.length === 1) throw new GoRegexError('unexpected )', this.expr);
    const frame = this.frames.pop() as Frame;
    this.flags = frame.saved; // flags set inside a group end with it
    this.push(`${frame.prefix}${[...frame.alts, join(frame.atoms)].join('|')})`, false, maxProd(frame));
    this.pos++;
  }

  /** `(?P<name>`, `(?<name>`, `(?flags)`, `(?flags:`; anything else (lookarounds, `(?P=`) is an error. */
  private perlGroup(): void {
    const rest = this.expr.slice(this.pos);
    const withP = rest.length > 4 && rest[2] === 'P' && rest[3] === '<';
    if (withP || (rest.length > 3 && rest[2] === '<')) {
      const end = rest.indexOf('>');
      if (end < 0) throw new GoRegexError('invalid named capture', rest);
      const name = rest.slice(withP ? 4 : 3, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new GoRegexError('invalid named capture', rest.slice(0, end + 1));
      this.open('(', name, end + 1);
      return;
    }
    const flags = { ...this.flags };
    let sign = 1;
    let sawFlag = false;
    let t = 2;
    while (t < rest.length) {
      const c = String.fromCodePoint(rest.codePointAt(t) ?? 0);
      t += c.length;
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        flags[c as keyof Flags] = sign > 0;
        sawFlag = true;
      } else if (c === '-' && sign > 0) {
        sign = -1;
        sawFlag = false;
      } else if ((c === ':' || c === ')') && (sign > 0 || sawFlag)) {
        if (c === ':') this.open('(?:', undefined, 0);
        this.flags = flags;
        this.pos += t;
        return;
      } else {
        break;
      }
    }
    throw new GoRegexError('invalid or unsupported Perl syntax', rest.slice(0, t));
  }

  /** `{n}`, `{n,}`, `{n,m}`; any other `{` is a literal, as in Go. */
  private braces(): boolean {
    const spec = parseRepeatSpec(this.expr, this.pos);
    if (!spec) {
      this.literal(0x7b);
      return false;
    }
    const { min, max, end } = spec;
    if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max)) {
      throw new GoRegexError('invalid repeat count', this.expr.slice(this.pos, end));
    }
    this.repeat(end, min === max ? `{${min}}` : max < 0 ? `{${min},}` : `{${min},${max}}`, { min, max });
    return true;
  }

  private repeat(afterOp: number, quantifier: string, count: { min: number; max: number } | undefined): void {
    const opStart = this.pos;
    let after = afterOp;
    const lazy = this.expr[after] === '?';
    if (lazy) after++;
    if (this.lastRepeat >= 0) throw new GoRegexError('invalid nested repetition operator', this.expr.slice(this.lastRepeat, after));
    const atoms = this.top().atoms;
    const atom = atoms[atoms.length - 1];
    if (!atom) throw new GoRegexError('missing argument to repetition operator', this.expr.slice(opStart, after));
    let prod = atom.prod;
    if (count) {
      // Go's repeatIsValid: a max of 0 ends the check; an open max counts its min (0 as 1).
      const factor = count.max === 0 ? 0 : count.max < 0 ? Math.max(count.min, 1) : count.max;
      if ((count.min >= 2 || count.max >= 2) && factor * prod > 1000) {
        throw new GoRegexError('invalid repeat count', this.expr.slice(opStart, after));
      }
      prod = factor * prod;
    }
    const greedy = this.flags.U ? lazy : !lazy;
    const base = atom.wrap ? `(?:${atom.src})` : atom.src;
    atoms[atoms.length - 1] = { src: `${base}${quantifier}${greedy ? '' : '?'}`, wrap: true, prod };
    this.pos = after;
  }

  private escape(): void {
    const e = this.expr;
    const next = e[this.pos + 1];
    switch (next) {
      case 'A':
        this.assertion('^', 2);
        return;
      case 'z':
        this.assertion('$', 2);
        return;
      case 'b':
      case 'B':
        this.assertion(`\\${next}`, 2);
        return;
      case 'C':
        throw new GoRegexError('invalid escape sequence', '\\C');
      case 'Q': {
        // \Q…\E: literal text up to \E or the end
        const end = e.indexOf('\\E', this.pos + 2);
        const text = end < 0 ? e.slice(this.pos + 2) : e.slice(this.pos + 2, end);
        for (const ch of text) this.literal(ch.codePointAt(0) ?? 0, false);
        this.pos = end < 0 ? e.length : end + 2;
        return;
      }
      case 'p':
      case 'P': {
        const u = parseUnicodeClass(e, this.pos);
        this.noteCase(true);
        this.push(u.src, false);
        this.pos = u.end;
        return;
      }
    }
    const ranges = next === undefined ? undefined : perlClass(next);
    if (ranges) {
      this.classAtom(ranges, [], false);
      this.pos += 2;
      return;
    }
    const { cp, end } = parseEscape(e, this.pos);
    this.literal(cp, false);
    this.pos = end;
  }
}

function join(atoms: readonly Atom[]): string {
  return atoms.map((a) => a.src).join('');
}

function maxProd(frame: Frame): number {
  return Math.max(frame.prod, ...frame.atoms.map((a) => a.prod));
}
