/**
 * `${VAR}` references in the config file's text, replaced before the YAML is parsed, so a
 * config can take its secrets from the environment (dregsy users had to run envsubst).
 *
 * Only the braced form is expanded: a bare `$` is common in configs (`regex:^v1$`). `$${`
 * stands for a literal `${`. A value may not contain a line break, so every line of the
 * expanded text is the line of the file a user sees in error messages. Whole-line comments
 * are left alone, so a commented-out line may name a variable that is not set.
 */

export interface ExpandProblem {
  /** 1-based line of the file. */
  line: number;
  message: string;
}

export interface ExpandResult {
  text: string;
  problems: ExpandProblem[];
}

export type Vars = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Pure: the text with every `${NAME}` replaced by `vars[NAME]`, and the problems found. */
export function expandEnv(text: string, vars: Vars): ExpandResult {
  const problems: ExpandProblem[] = [];
  // Split keeping the line ends, so CRLF files stay CRLF.
  const lines = text.split(/(?<=\n)/);
  const out = lines.map((line, i) => {
    if (/^\s*#/.test(line)) return line;
    return expandLine(line, i + 1, vars, problems);
  });
  return { text: out.join(''), problems };
}

function expandLine(line: string, lineNo: number, vars: Vars, problems: ExpandProblem[]): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const dollar = line.indexOf('$', i);
    if (dollar < 0) {
      out += line.slice(i);
      break;
    }
    out += line.slice(i, dollar);
    if (line.startsWith('$${', dollar)) {
      out += '${';
      i = dollar + 3;
      continue;
    }
    if (line[dollar + 1] !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = line.indexOf('}', dollar + 2);
    const name = close < 0 ? undefined : line.slice(dollar + 2, close);
    if (name === undefined || !NAME.test(name)) {
      const shown = close < 0 ? line.slice(dollar).trimEnd() : line.slice(dollar, close + 1);
      problems.push({ line: lineNo, message: `invalid variable reference '${shown}': write \${NAME} (letters, digits, _), or $\${ for a literal \${` });
      out += line.slice(dollar, close < 0 ? line.length : close + 1);
      i = close < 0 ? line.length : close + 1;
      continue;
    }
    const value = vars[name];
    if (value === undefined) {
      problems.push({ line: lineNo, message: `environment variable '${name}' is not set` });
    } else if (/[\r\n]/.test(value)) {
      // The message names the variable, never its value (it may be a secret).
      problems.push({ line: lineNo, message: `environment variable '${name}' contains a line break, which a config value cannot hold` });
    } else {
      out += value;
    }
    i = close + 1;
  }
  return out;
}
