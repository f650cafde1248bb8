import { useState } from 'react';
import { SENSITIVITY_CODES, type ChartResource, type SensitivityCode } from '../../../../src-shared/api';
import { useApp } from '../../store';
import { runSigned } from '../../useLoad';

const KINDS = {
  Observation: { system: 'http://loinc.org', label: 'Observation (LOINC)' },
  Condition: { system: 'http://hl7.org/fhir/sid/icd-10-cm', label: 'Condition (ICD-10)' },
  MedicationStatement: { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', label: 'Medication (RxNorm)' },
  AllergyIntolerance: { system: 'http://snomed.info/sct', label: 'Allergy (SNOMED CT)' },
  Immunization: { system: 'http://hl7.org/fhir/sid/cvx', label: 'Immunization (CVX)' },
  DocumentReference: { system: 'http://loinc.org', label: 'Clinical note' },
} as const;
type Kind = keyof typeof KINDS;

const base64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** Build a minimal FHIR R4 resource from the form. Exported for unit tests. */
export function buildResource(kind: Kind, f: { code: string; display: string; date: string; value?: string; unit?: string; note?: string }, patientRef: string): Record<string, unknown> & { resourceType: string } {
  const concept = { coding: [{ system: KINDS[kind].system, code: f.code, display: f.display }], text: f.display };
  const subject = { reference: patientRef };
  switch (kind) {
    case 'Observation': {
      const num = Number(f.value);
      return {
        resourceType: 'Observation', status: 'final', code: concept, subject, effectiveDateTime: f.date,
        ...(f.value ? (Number.isFinite(num) ? { valueQuantity: { value: num, unit: f.unit || undefined } } : { valueString: f.value }) : {}),
      };
    }
    case 'Condition':
      return { resourceType: 'Condition', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: concept, subject, onsetDateTime: f.date, ...(f.note ? { note: [{ text: f.note }] } : {}) };
    case 'MedicationStatement':
      return { resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: concept, subject, effectiveDateTime: f.date };
    case 'AllergyIntolerance':
      return { resourceType: 'AllergyIntolerance', code: concept, patient: subject, recordedDate: f.date };
    case 'Immunization':
      return { resourceType: 'Immunization', status: 'completed', vaccineCode: concept, patient: subject, occurrenceDateTime: f.date };
    case 'DocumentReference':
      return {
        resourceType: 'DocumentReference', status: 'current', type: { coding: [{ system: 'http://loinc.org', code: f.code || '11506-3', display: f.display || 'Progress note' }] },
        subject, date: f.date, content: [{ attachment: { contentType: 'text/plain', data: base64(f.note ?? '') } }],
      };
  }
}

/** Add a record (common resources through a form) or amend one (edit its FHIR JSON, with a reason). */
export function RecordForm({ patientId, amend, onDone }: { patientId: string; amend?: ChartResource; onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const [kind, setKind] = useState<Kind>('Observation');
  const [f, setF] = useState({ code: '', display: '', date: new Date().toISOString().slice(0, 10), value: '', unit: '', note: '' });
  const [raise, setRaise] = useState<SensitivityCode[]>([]);
  const [json, setJson] = useState(() => JSON.stringify(amend?.resource ?? {}, null, 2));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setF({ ...f, [k]: e.target.value });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const raiseInput = raise.length ? { sensitivity: raise } : undefined;
    let result;
    setBusy(true);
    if (amend) {
      let resource: Record<string, unknown>;
      try {
        resource = JSON.parse(json) as Record<string, unknown>;
        if (typeof resource.resourceType !== 'string') throw new Error('resourceType is missing');
      } catch (err) {
        setBusy(false);
        setError(`The resource is not valid JSON: ${(err as Error).message}`);
        return;
      }
      result = await runSigned(() => requestSignature({ method: 'records.amend', input: { recordId: amend.id, resource: resource as { resourceType: string }, reason, raise: raiseInput } }));
    } else {
      const resource = buildResource(kind, f, `Patient/${patientId}`);
      result = await runSigned(() => requestSignature({ method: 'records.add', input: { patientId, resource, raise: raiseInput } }));
    }
    setBusy(false);
    if (result) {
      toast('info', amend ? 'Record amended.' : 'Record added.');
      onDone();
    }
  };

  return (
    <form className="card record-form" onSubmit={submit} aria-label={amend ? 'Amend record' : 'Add record'} data-testid="record-form">
      <h2>{amend ? `Amend: ${amend.title}` : 'Add a record'}</h2>
      {amend ? (
        <>
          <label>FHIR resource (JSON)
            <textarea rows={10} value={json} onChange={(e) => setJson(e.target.value)} spellCheck={false} className="mono" data-testid="amend-json" />
          </label>
          <label>Reason for the amendment<input required value={reason} onChange={(e) => setReason(e.target.value)} data-testid="amend-reason" /></label>
        </>
      ) : (
        <>
          <label>Type
            <select value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="record-kind">
              {(Object.keys(KINDS) as Kind[]).map((k) => <option key={k} value={k}>{KINDS[k].label}</option>)}
            </select>
          </label>
          <div className="row">
            <label>Code<input required={kind !== 'DocumentReference'} value={f.code} onChange={set('code')} data-testid="record-code" /></label>
            <label>Description<input required={kind !== 'DocumentReference'} value={f.display} onChange={set('display')} data-testid="record-display" /></label>
            <label>Date<input type="date" required value={f.date} onChange={set('date')} data-testid="record-date" /></label>
          </div>
          {kind === 'Observation' && (
            <div className="row">
              <label>Value<input value={f.value} onChange={set('value')} data-testid="record-value" /></label>
              <label>Unit<input value={f.unit} onChange={set('unit')} /></label>
            </div>
          )}
          {(kind === 'DocumentReference' || kind === 'Condition') && (
            <label>Note<textarea rows={4} value={f.note} onChange={set('note')} data-testid="record-note" /></label>
          )}
        </>
      )}
      <fieldset>
        <legend>Raise sensitivity (optional; labels can be raised, never lowered)</legend>
        <div className="chips-select">
          {SENSITIVITY_CODES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={raise.includes(s)} onChange={(e) => setRaise(e.target.checked ? [...raise, s] : raise.filter((x) => x !== s))} />
              {s}
            </label>
          ))}
        </div>
      </fieldset>
      {error && <p className="inline-error" role="alert">{error}</p>}
      <div className="actions">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={busy} data-testid="record-submit">{busy ? 'Waiting for signature…' : 'Sign and save'}</button>
      </div>
    </form>
  );
}
