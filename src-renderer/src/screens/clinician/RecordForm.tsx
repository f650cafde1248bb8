import { useEffect, useRef, useState } from 'react';
import { SENSITIVITY_CODES, todayUtc, type SensitivityCode } from '../../../../src-shared/api';
import { useApp } from '../../store';
import { runSigned } from '../../useLoad';
import { useChecked } from '../../useChecked';
import { FieldError } from '../../components/FieldError';
import { KINDS, buildResource, type Fields, type Kind } from './recordFields';
import { SensitivityName } from '../../components/LabelChips';

export { buildResource } from './recordFields';

/** Scrolls a form into view and focuses its first field when it opens (it may open far from the button). */
export function useFocusOnOpen<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'start' });
    ref.current?.querySelector<HTMLElement>('input, select, textarea')?.focus({ preventScroll: true });
  }, []);
  return ref;
}

/** Raise-only sensitivity checkboxes, shared by the add and amend forms. */
export function RaisePicker({ value, onChange }: { value: SensitivityCode[]; onChange(v: SensitivityCode[]): void }) {
  return (
    <fieldset>
      <legend>Raise sensitivity (optional; labels can be raised, never lowered)</legend>
      <div className="chips-select">
        {SENSITIVITY_CODES.map((s) => (
          <label key={s} className="check">
            <input type="checkbox" checked={value.includes(s)} onChange={(e) => onChange(e.target.checked ? [...value, s] : value.filter((x) => x !== s))} />
            <SensitivityName code={s} />
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Add a record through a form per common resource type, checked with the node's schema before signing. */
export function RecordForm({ patientId, onDone }: { patientId: string; onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const [kind, setKind] = useState<Kind>('Observation');
  const [f, setF] = useState<Required<Pick<Fields, 'code' | 'display' | 'date' | 'value' | 'unit' | 'note'>>>({ code: '', display: '', date: todayUtc(), value: '', unit: '', note: '' });
  const [raise, setRaise] = useState<SensitivityCode[]>([]);
  const [busy, setBusy] = useState(false);
  const resource = buildResource(kind, f, `Patient/${patientId}`);
  const input = { patientId, resource, raise: raise.length ? { sensitivity: raise } : undefined };
  const v = useChecked({ method: 'records.add', input });
  const ref = useFocusOnOpen<HTMLFormElement>();
  const set = (k: keyof typeof f, ...paths: string[]) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    setF({ ...f, [k]: e.target.value });
    for (const p of paths) v.touch(p);
  };
  // Where each field lands in the resource, for its message.
  const codePath = kind === 'MedicationStatement' ? 'resource.medicationCodeableConcept' : kind === 'Immunization' ? 'resource.vaccineCode' : kind === 'DocumentReference' ? 'resource.type' : 'resource.code';
  const codeError = v.error(`${codePath}.coding.0.code`);
  const displayError = v.error(`${codePath}.coding.0.display`) ?? v.error(`${codePath}.text`);
  const blankCode = (v.tried || f.code !== '') && kind !== 'DocumentReference' && !f.code.trim() ? 'a code cannot be blank' : undefined;
  const noteError = v.error('resource.note') ?? v.error('resource.content');

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!v.attempt() || (kind !== 'DocumentReference' && !f.code.trim())) return;
    setBusy(true);
    const result = await runSigned(() => requestSignature({ method: 'records.add', input }));
    setBusy(false);
    if (result) {
      toast('info', 'Record added.');
      onDone();
    }
  };

  return (
    <form ref={ref} className="card record-form" onSubmit={submit} noValidate aria-label="Add record" data-testid="record-form">
      <h2>Add a record</h2>
      <label>Type
        <select value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="record-kind">
          {(Object.keys(KINDS) as Kind[]).map((k) => <option key={k} value={k}>{KINDS[k].label}</option>)}
        </select>
      </label>
      <div className="row">
        <label>Code
          <input required={kind !== 'DocumentReference'} value={f.code} onChange={set('code', `${codePath}.coding.0.code`)} aria-invalid={!!(codeError ?? blankCode)} data-testid="record-code" />
          <FieldError id="record-code-error" message={codeError ?? blankCode} />
        </label>
        <label>Description
          <input required={kind !== 'DocumentReference'} value={f.display} onChange={set('display', `${codePath}.coding.0.display`, `${codePath}.text`)} aria-invalid={!!displayError} data-testid="record-display" />
          <FieldError id="record-display-error" message={displayError} />
        </label>
        <label>Date<input type="date" required value={f.date} onChange={set('date')} data-testid="record-date" /></label>
      </div>
      {kind === 'Observation' && (
        <div className="row">
          <label>Value<input value={f.value} onChange={set('value', 'resource.valueString')} data-testid="record-value" /></label>
          <label>Unit<input value={f.unit} onChange={set('unit', 'resource.valueQuantity.unit')} data-testid="record-unit" /></label>
        </div>
      )}
      <label>{kind === 'DocumentReference' ? 'Note' : 'Note (optional)'}
        <textarea rows={4} value={f.note} onChange={set('note', 'resource.note', 'resource.content')} aria-invalid={!!noteError} data-testid="record-note" />
        <FieldError id="record-note-error" message={noteError} />
      </label>
      <RaisePicker value={raise} onChange={setRaise} />
      {v.tried && !v.checked.valid && <p className="inline-error" role="alert" data-testid="form-errors">Nothing was signed: {v.checked.all.join('; ')}</p>}
      <div className="actions">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={busy} data-testid="record-submit">{busy ? 'Waiting for signature…' : 'Sign and save'}</button>
      </div>
    </form>
  );
}
