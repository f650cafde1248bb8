import { useState } from 'react';
import type { Category, PurposeCode } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { runSigned, useLoad } from '../../useLoad';
import { useChecked } from '../../useChecked';
import { CategoryPicker } from '../../components/CategoryPicker';
import { PurposePicker } from '../../components/PurposePicker';
import { FieldError } from '../../components/FieldError';

const today = () => new Date().toISOString().slice(0, 10);
const yearsAgo = (n: number) => new Date(Date.now() - n * 365 * 86_400_000).toISOString().slice(0, 10);
const STATUS_WORDS = { active: 'consented', revoked: 'consent revoked: a request would be refused', none: 'no consent' } as const;

/** File a share request on the social chain: patient, purpose, categories, period; checked before signing. */
export function RequestForm({ onDone }: { onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const [patientId, setPatientId] = useState('');
  const [purpose, setPurpose] = useState<PurposeCode | ''>('');
  const [categories, setCategories] = useState<Category[]>([]);
  const [from, setFrom] = useState(yearsAgo(5));
  const [to, setTo] = useState(today());
  // Patients who named this organization (or its kind) in a consent, as pseudonymous ids.
  const visible = useLoad(() => api()['patients.search']({ query: '', limit: 50 }), []);
  const candidates = visible.data?.patients ?? [];
  const picked = candidates.find((p) => p.id === patientId.trim());
  const input = { patientId: patientId.trim(), purpose, categories, period: { from, to } };
  const v = useChecked({ method: 'shares.request', input });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!v.attempt()) return;
    const r = await runSigned(() => requestSignature({ method: 'shares.request', input: input as typeof input & { purpose: PurposeCode } }));
    if (r) {
      toast('info', 'Request filed on the social chain.');
      onDone();
    }
  };

  return (
    <form className="card" onSubmit={submit} noValidate aria-label="File a request" data-testid="request-form">
      <h2>File a request</h2>
      {candidates.length > 0 && (
        <label>Patients who named you in a consent
          <select value={picked ? picked.id : ''} onChange={(e) => { setPatientId(e.target.value); v.touch('patientId'); }} data-testid="request-patient-pick">
            <option value="">Choose a patient…</option>
            {candidates.map((p) => <option key={p.id} value={p.id} data-consent={p.consentStatus}>{p.name} — {STATUS_WORDS[p.consentStatus]}</option>)}
          </select>
        </label>
      )}
      {picked?.consentStatus === 'revoked' && (
        <p className="inline-error" role="alert" data-testid="request-consent-revoked">This patient revoked the consent that named you: the node refuses a new request until the patient consents again.</p>
      )}
      <label>Patient identifier
        <input required value={patientId} onChange={(e) => { setPatientId(e.target.value); v.touch('patientId'); }} placeholder="The id the patient shared with you" aria-invalid={!!v.error('patientId')} aria-describedby="request-patient-error" data-testid="request-patient" />
        <FieldError id="request-patient-error" message={v.error('patientId')} />
      </label>
      <PurposePicker value={purpose} onChange={(p) => { setPurpose(p); v.touch('purpose'); }} testId="request-purpose" error={v.error('purpose')} />
      <CategoryPicker legend="Categories requested" value={categories} onChange={(c) => { setCategories(c); v.touch('categories'); }} />
      <FieldError id="request-categories-error" message={v.error('categories')} />
      <div className="row">
        <label>From
          <input type="date" required value={from} onChange={(e) => { setFrom(e.target.value); v.touch('period.from'); v.touch('period.to'); }} aria-invalid={!!v.error('period.from')} data-testid="request-from" />
          <FieldError id="request-from-error" message={v.error('period.from')} />
        </label>
        <label>To
          <input type="date" required value={to} onChange={(e) => { setTo(e.target.value); v.touch('period.from'); v.touch('period.to'); }} aria-invalid={!!v.error('period.to')} data-testid="request-to" />
          <FieldError id="request-to-error" message={v.error('period.to')} />
        </label>
      </div>
      <div className="actions">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={picked?.consentStatus === 'revoked'} data-testid="request-submit">Sign and file</button>
      </div>
    </form>
  );
}
