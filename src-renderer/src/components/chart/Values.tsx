import type { ClinicalValue } from '../../../../src-shared/api';

/** A measured value with its unit, flagged when outside its reference range (the range in its title). */
export function Value({ v }: { v: ClinicalValue }) {
  const title = v.range ? `Reference range ${v.range.text}` : undefined;
  return (
    <span className={`value${v.flag ? ` value-${v.flag}` : ''}`} title={title} data-testid="clinical-value" data-flag={v.flag}>
      {v.name && <span className="muted">{v.name} </span>}
      <strong>{v.text}</strong>
      {v.flag && <span className="badge badge-warn" aria-label={`${v.flag}: outside ${v.range?.text}`}>{v.flag === 'high' ? 'H' : 'L'}</span>}
    </span>
  );
}

/** "122/79 mmHg" for a blood pressure (systolic first), else each value. */
export function Values({ values }: { values: ClinicalValue[] }) {
  const sys = values.find((v) => v.code === '8480-6');
  const dia = values.find((v) => v.code === '8462-4');
  if (sys && dia) {
    const flag = sys.flag ?? dia.flag;
    return (
      <span className={`value${flag ? ` value-${flag}` : ''}`} title={`Reference ${sys.range?.text ?? '—'} / ${dia.range?.text ?? '—'}`} data-testid="clinical-value" data-flag={flag}>
        <strong>{sys.value}/{dia.value} {sys.unit}</strong>
        {flag && <span className="badge badge-warn" aria-label={`${flag}: outside the reference range`}>{flag === 'high' ? 'H' : 'L'}</span>}
      </span>
    );
  }
  return <>{values.map((v, i) => <Value key={i} v={v} />)}</>;
}

/** The reference range in words, or a dash. */
export const rangeText = (values: ClinicalValue[]) => values.map((v) => v.range?.text).filter(Boolean).join(' / ') || '—';
