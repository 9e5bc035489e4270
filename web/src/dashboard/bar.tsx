/** A labelled horizontal bar: `value` of `max` (a fraction when max is 1). */
interface BarProps {
  label: string;
  value: number;
  max: number | undefined;
  /** What is printed; defaults to "value / max". */
  text?: string;
}

export function Bar({ label, value, max, text }: BarProps) {
  const fraction = max !== undefined && max > 0 ? Math.min(1, value / max) : undefined;
  const level = fraction === undefined ? 'none' : fraction >= 0.9 ? 'high' : fraction >= 0.7 ? 'mid' : 'low';
  return (
    <div class="bar" title={label}>
      <span class="bar-label">{label}</span>
      <span class="bar-track">
        <span class={`bar-fill bar-${level}`} style={{ width: `${String(Math.round((fraction ?? 0) * 100))}%` }} />
      </span>
      <span class="bar-text">{text ?? (max === undefined ? `${String(value)} · no limit` : `${String(value)} / ${String(max)}`)}</span>
    </div>
  );
}
