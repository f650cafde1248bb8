/** A labelled progress bar (import, sync). */
export function Progress({ value, max, label, testId }: { value: number; max: number; label: string; testId?: string }) {
  const pct = max > 0 ? Math.round((value / max) * 100) : 0;
  return (
    <div className="progress" data-testid={testId}>
      <progress value={value} max={max || 1} aria-label={label} />
      <span className="muted">{label}: {pct}%</span>
    </div>
  );
}
