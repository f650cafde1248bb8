import { useState } from 'react';
import type { Category } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { useLoad } from '../../useLoad';
import { runSigned } from '../../useLoad';
import { CategoryPicker } from '../../components/CategoryPicker';

const today = () => new Date().toISOString().slice(0, 10);
const yearsAgo = (n: number) => new Date(Date.now() - n * 365 * 86_400_000).toISOString().slice(0, 10);

/** File a share request on the social chain: patient, purpose, categories, period. */
export function RequestForm({ onDone }: { onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const [patientId, setPatientId] = useState('');
  const [purpose, setPurpose] = useState('');
  const [categories, setCategories] = useState<Category[]>([]);
  const [from, setFrom] = useState(yearsAgo(5));
  const [to, setTo] = useState(today());
  // Patients who named this organization (or its kind) in a consent, as pseudonymous ids.
  const visible = useLoad(() => api()['patients.search']({ query: '', limit: 50 }), []);
  const candidates = visible.data?.patients ?? [];
  const periodError = from > to ? 'The period must start before it ends.' : null;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (periodError) return;
    const r = await runSigned(() => requestSignature({ method: 'shares.request', input: { patientId: patientId.trim(), purpose, categories, period: { from, to } } }));
    if (r) {
      toast('info', 'Request filed on the social chain.');
      onDone();
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-label="File a request" data-testid="request-form">
      <h2>File a request</h2>
      {candidates.length > 0 && (
        <label>Patients who consented to share with you
          <select value={candidates.some((p) => p.id === patientId) ? patientId : ''} onChange={(e) => setPatientId(e.target.value)} data-testid="request-patient-pick">
            <option value="">Choose a patient…</option>
            {candidates.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </label>
      )}
      <label>Patient identifier<input required value={patientId} onChange={(e) => setPatientId(e.target.value)} placeholder="The id the patient shared with you" data-testid="request-patient" /></label>
      <label>Purpose<input required value={purpose} onChange={(e) => setPurpose(e.target.value)} placeholder="e.g. claim #1234 review" data-testid="request-purpose" /></label>
      <CategoryPicker legend="Categories requested" value={categories} onChange={setCategories} />
      <div className="row">
        <label>From<input type="date" required value={from} onChange={(e) => setFrom(e.target.value)} data-testid="request-from" /></label>
        <label>To<input type="date" required value={to} onChange={(e) => setTo(e.target.value)} data-testid="request-to" /></label>
      </div>
      {periodError && <p className="inline-error" role="alert">{periodError}</p>}
      <div className="actions">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={!patientId.trim() || !purpose.trim() || categories.length === 0 || !!periodError} data-testid="request-submit">Sign and file</button>
      </div>
    </form>
  );
}
