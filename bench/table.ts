/** A results table rendered twice from the same rows: aligned plain text and Markdown. */
export type Verdict = 'PASS' | 'FAIL' | '';

export type Row = {
  metric: string;
  direct: string;
  proxy: string;
  /** Proxy − direct, or proxy / direct. */
  delta: string;
  target: string;
  result: Verdict;
};

type Column = 'metric' | 'direct' | 'proxy' | 'delta' | 'target' | 'result';
type Cells = Record<Column, string>;

const HEADERS: Cells = { metric: 'Metric', direct: 'Direct', proxy: 'Proxy', delta: 'Δ / ratio', target: 'Target', result: 'Result' };
const COLUMNS: readonly Column[] = ['metric', 'direct', 'proxy', 'delta', 'target', 'result'];
const RIGHT_ALIGNED = new Set<string>(['direct', 'proxy', 'delta']);

export function fmt(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

export function signed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '—';
  const text = value.toFixed(digits);
  return value >= 0 ? `+${text}` : text;
}

export function verdict(ok: boolean): Verdict {
  return ok ? 'PASS' : 'FAIL';
}

/** Rows grouped in sections; a section title becomes a separator line. */
export type Section = { title: string; rows: Row[] };

export function renderText(sections: readonly Section[]): string {
  const all: Cells[] = [HEADERS, ...sections.flatMap((s) => s.rows)];
  const width = Object.fromEntries(COLUMNS.map((c) => [c, Math.max(...all.map((r) => r[c].length))])) as Record<Column, number>;
  const line = (r: Cells): string =>
    COLUMNS.map((c) => (RIGHT_ALIGNED.has(c) ? r[c].padStart(width[c]) : r[c].padEnd(width[c]))).join('  ').trimEnd();
  const rule = '-'.repeat(COLUMNS.reduce((n, c) => n + width[c], 0) + 2 * (COLUMNS.length - 1));
  const out = [line(HEADERS), rule];
  for (const section of sections) {
    out.push(`[${section.title}]`);
    for (const row of section.rows) out.push(line(row));
  }
  return out.join('\n');
}

export function renderMarkdown(sections: readonly Section[]): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (cells: string[]): string => `| ${cells.map(escape).join(' | ')} |`;
  const out = [
    line(COLUMNS.map((c) => HEADERS[c])),
    line(COLUMNS.map((c) => (RIGHT_ALIGNED.has(c) ? '---:' : '---'))),
  ];
  for (const section of sections) {
    out.push(line([`**${section.title}**`, '', '', '', '', '']));
    for (const row of section.rows) out.push(line(COLUMNS.map((c) => (c === 'result' && row.result === 'FAIL' ? '**FAIL**' : row[c]))));
  }
  return out.join('\n');
}
