/**
 * How deep a YAML text nests, estimated before the YAML library sees it. The library's time
 * grows with the square of the nesting depth and it recurses once per level: 2 MiB of `[`
 * takes minutes, 100,000 `- ` on one line ends the process out of memory. No config nests
 * more than about ten levels, so a text deeper than `MAX_NESTING` is refused first.
 *
 * The estimate is coarse, which is enough to tell a config from an attack:
 * - block nesting is the stack of indentations seen so far (a line indented more than the
 *   one above opens a level), plus compact indicators (`- - x`) at the start of a line;
 * - flow nesting counts `[` and `{` against `]` and `}` outside quoted scalars and comments.
 *   Brackets inside plain scalars (`regex:[a-z]`) are counted too; they are balanced in
 *   practice, and it takes hundreds of unbalanced ones to matter.
 */

export const MAX_NESTING = 200;

export interface NestingProblem {
  line: number;
  message: string;
}

/** The first line where the nesting passes `MAX_NESTING`, or undefined. */
export function nestingProblem(text: string, max = MAX_NESTING): NestingProblem | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    line++;
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    let i = start;
    let compact = 0;
    if (flow === 0 && quote === undefined) {
      while (text[i] === ' ') i++;
      const first = text[i];
      if (i < end && first !== '#' && first !== '\r') {
        const indent = i - start;
        while (indents.length > 0 && (indents.at(-1) ?? 0) >= indent) indents.pop();
        indents.push(indent);
        while (i < end && (text[i] === '-' || text[i] === '?') && (text[i + 1] === ' ' || i + 1 >= end)) {
          compact++;
          i += 2;
          while (i < end && text[i] === ' ') i++;
        }
      }
    }
    for (; i < end; i++) {
      const c = text[i];
      if (quote !== undefined) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote && quote === "'" && text[i + 1] === "'") i++;
        else if (c === quote) quote = undefined;
        continue;
      }
      const before = i === start ? ' ' : text[i - 1];
      const atToken = before === ' ' || before === '\t' || before === '[' || before === '{' || before === ',' || before === ':';
      if (c === '#' && (before === ' ' || before === '\t')) break;
      if ((c === '"' || c === "'") && atToken) quote = c;
      else if (c === '[' || c === '{') flow++;
      else if ((c === ']' || c === '}') && flow > 0) flow--;
      if (indents.length + compact + flow > max) return tooDeep(line, max);
    }
    if (indents.length + compact + flow > max) return tooDeep(line, max);
    start = end + 1;
  }
  return undefined;
}

function tooDeep(line: number, max: number): NestingProblem {
  return { line, message: `the YAML nests deeper than ${max} levels, more than any config needs: is this the right file?` };
}
