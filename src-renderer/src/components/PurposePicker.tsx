import { PURPOSE_CODES, purposeLabel, type PurposeCode } from '../../../src-shared/api';
import { FieldError } from './FieldError';

/** HL7 PurposeOfUse codes, named in words; free text cannot be entered. */
export function PurposePicker({ value, onChange, testId, error, only }: {
  value: PurposeCode | '';
  onChange(v: PurposeCode | ''): void;
  testId: string;
  error?: string;
  /** Offer these codes first (e.g. research for a research institute); the rest stay available. */
  only?: PurposeCode[];
}) {
  const codes = only ? [...only, ...PURPOSE_CODES.filter((c) => !only.includes(c))] : PURPOSE_CODES;
  return (
    <label>Purpose of use <span className="muted">(HL7 PurposeOfUse)</span>
      <select value={value} onChange={(e) => onChange(e.target.value as PurposeCode | '')} data-testid={testId} aria-invalid={!!error} aria-describedby={error ? `${testId}-error` : undefined}>
        <option value="">Choose a purpose…</option>
        {codes.map((c) => <option key={c} value={c}>{purposeLabel(c)}</option>)}
      </select>
      <FieldError id={`${testId}-error`} message={error} />
    </label>
  );
}
