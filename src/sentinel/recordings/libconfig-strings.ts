/**
 * The string settings of a Janus `.jcfg` (libconfig) file with the top-level group each is in: all
 * the sentinel needs to find recording folders. Not a full libconfig reader: numbers, lists and
 * booleans are skipped, and text it cannot read yields what was found up to there.
 */
export interface LibconfigString {
  /** The top-level group (`general`, `room-1234`, ...), '' outside any. */
  section: string;
  key: string;
  value: string;
}

type Token = { type: 'name' | 'string' | 'punct'; text: string };

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', '"': '"', '\\': '\\' };

function readString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length && text.charAt(i) !== '"') {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length) {
      const next = text.charAt(i + 1);
      value += ESCAPES[next] ?? next;
      i += 2;
    } else {
      value += c;
      i += 1;
    }
  }
  return { value, end: i + 1 };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    const rest = text.slice(i, i + 2);
    if (c === '#' || rest === '//') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol + 1;
    } else if (rest === '/*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (c === '"') {
      const { value, end } = readString(text, i);
      tokens.push({ type: 'string', text: value });
      i = end;
    } else if (/[A-Za-z0-9_\-*.+]/.test(c)) {
      const match = /^[A-Za-z0-9_\-*.+]+/.exec(text.slice(i))?.[0] ?? c;
      tokens.push({ type: 'name', text: match });
      i += match.length;
    } else {
      if (!/\s/.test(c)) tokens.push({ type: 'punct', text: c });
      i += 1;
    }
  }
  return tokens;
}

export function readLibconfigStrings(text: string): LibconfigString[] {
  const tokens = tokenize(text);
  const groups: string[] = [];
  const found: LibconfigString[] = [];
  tokens.forEach((t, i) => {
    // `name =` or `name :` just before this token, if so.
    const before = tokens[i - 2];
    const assigned = before?.type === 'name' && (tokens[i - 1]?.text === '=' || tokens[i - 1]?.text === ':') ? before.text : undefined;
    if (t.type === 'punct' && (t.text === '{' || t.text === '(' || t.text === '[')) {
      groups.push(assigned ?? '');
    } else if (t.type === 'punct' && (t.text === '}' || t.text === ')' || t.text === ']')) {
      groups.pop();
    } else if (t.type === 'string' && assigned !== undefined) {
      found.push({ section: groups[0] ?? '', key: assigned, value: t.text });
    }
  });
  return found;
}
