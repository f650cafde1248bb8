import { useState } from 'react';
import type { ChartResource, SensitivityCode } from '../../../../src-shared/api';
import { useApp } from '../../store';
import { runSigned } from '../../useLoad';
import { useChecked } from '../../useChecked';
import { FieldError } from '../../components/FieldError';
import { RaisePicker, useFocusOnOpen } from './RecordForm';
import { amendKindOf, fieldsOf, patchResource, type Fields } from './recordFields';

type FhirObject = Record<string, unknown> & { resourceType: string };

/**
 * Amend one of this organization's records: a form for the fields that change (an observation's
 * value and unit, a condition's status and abatement, a medication's status and dose, an allergy's
 * criticality and reaction, a note), or, as an advanced option, the FHIR JSON itself.
 */
export function AmendForm({ record, onDone }: { record: ChartResource & { resource: Record<string, unknown> }; onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const original = record.resource as FhirObject;
  const kind = amendKindOf(original.resourceType);
  const [f, setF] = useState<Fields>(() => fieldsOf(original));
  const [raw, setRaw] = useState(!kind);
  const [json, setJson] = useState(() => JSON.stringify(original, null, 2));
  const [reason, setReason] = useState('');
  const [raise, setRaise] = useState<SensitivityCode[]>([]);
  const [busy, setBusy] = useState(false);
  const ref = useFocusOnOpen<HTMLFormElement>();

  let parsed: FhirObject | null = null;
  let jsonError: string | null = null;
  if (raw) {
    try {
      const o = JSON.parse(json) as unknown;
      if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('a FHIR resource is a JSON object');
      parsed = o as FhirObject;
    } catch (e) {
      jsonError = `not valid JSON: ${(e as Error).message}`;
    }
  }
  const resource = raw ? parsed : patchResource(original, f);
  const input = { recordId: record.id, resource, reason, raise: raise.length ? { sensitivity: raise } : undefined };
  const v = useChecked({ method: 'records.amend', input });
  const sameShape = !resource || (resource.resourceType === original.resourceType && resource.id === original.id);
  const set = (k: keyof Fields) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => {
    setF({ ...f, [k]: e.target.value });
    v.touch('resource');
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!v.attempt() || jsonError || !sameShape || !resource) return;
    setBusy(true);
    const result = await runSigned(() => requestSignature({ method: 'records.amend', input: { ...input, resource } }));
    setBusy(false);
    if (result) {
      toast('info', 'Record amended.');
      onDone();
    }
  };
  const resourceError = jsonError ?? (!sameShape ? 'an amendment keeps the resource type and id' : v.error('resource'));

  return (
    <form ref={ref} className="card record-form" onSubmit={submit} noValidate aria-label="Amend record" data-testid="amend-form">
      <h2>Amend: {record.title}</h2>
      <p className="muted">A new version is signed; the current one stays on the chain.</p>
      {!raw && kind === 'Observation' && (
        <div className="row">
          <label>Value<input value={f.value} onChange={set('value')} data-testid="amend-value" /></label>
          <label>Unit<input value={f.unit} onChange={set('unit')} data-testid="amend-unit" /></label>
        </div>
      )}
      {!raw && kind === 'Condition' && (
        <div className="row">
          <label>Clinical status
            <select value={f.status} onChange={set('status')} data-testid="amend-status">
              {['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'].map((s) => <option key={s}>{s}</option>)}
            </select>
          </label>
          <label>Resolved on<input type="date" value={f.abatement} onChange={set('abatement')} data-testid="amend-abatement" /></label>
        </div>
      )}
      {!raw && kind === 'Medication' && (
        <div className="row">
          <label>Status
            <select value={f.status} onChange={set('status')} data-testid="amend-status">
              {(original.resourceType === 'MedicationRequest' ? ['active', 'on-hold', 'cancelled', 'completed', 'stopped'] : ['active', 'completed', 'stopped', 'on-hold', 'intended', 'not-taken']).map((s) => <option key={s}>{s}</option>)}
            </select>
          </label>
          <label>Dose in words<input value={f.dosage} onChange={set('dosage')} placeholder="e.g. 500 mg twice a day" data-testid="amend-dosage" /></label>
        </div>
      )}
      {!raw && kind === 'AllergyIntolerance' && (
        <div className="row">
          <label>Criticality
            <select value={f.criticality} onChange={set('criticality')} data-testid="amend-criticality">
              <option value="">not stated</option>
              {['low', 'high', 'unable-to-assess'].map((s) => <option key={s}>{s}</option>)}
            </select>
          </label>
          <label>Reaction<input value={f.reaction} onChange={set('reaction')} data-testid="amend-reaction" /></label>
        </div>
      )}
      {!raw && kind && (
        <label>Note<textarea rows={3} value={f.note} onChange={set('note')} data-testid="amend-note" /></label>
      )}
      <details open={raw} onToggle={(e) => setRaw((e.currentTarget as HTMLDetailsElement).open || !kind)}>
        <summary>Advanced: edit the FHIR JSON{kind ? '' : ' (this resource type has no form)'}</summary>
        {raw && (
          <label>FHIR resource (JSON)
            <textarea rows={12} value={json} onChange={(e) => { setJson(e.target.value); v.touch('resource'); }} spellCheck={false} className="mono" aria-invalid={!!resourceError} data-testid="amend-json" />
          </label>
        )}
      </details>
      <FieldError id="amend-resource-error" message={resourceError ?? undefined} />
      <label>Reason for the amendment
        <input required value={reason} onChange={(e) => { setReason(e.target.value); v.touch('reason'); }} aria-invalid={!!v.error('reason')} data-testid="amend-reason" />
        <FieldError id="amend-reason-error" message={v.error('reason')} />
      </label>
      <RaisePicker value={raise} onChange={setRaise} />
      <div className="actions">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={busy} data-testid="amend-submit">{busy ? 'Waiting for signature…' : 'Sign amendment'}</button>
      </div>
    </form>
  );
}
