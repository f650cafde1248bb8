import { useState } from 'react';
import { useApp } from '../../store';
import { runSigned } from '../../useLoad';

/**
 * Enrol this patient's own laptop (as `trichain enrol`): paste the enrolment request the laptop
 * showed when it made its keys; the sign dialog names the patient before anything is signed.
 */
export function EnrolLaptop({ patientId }: { patientId: string }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const [request, setRequest] = useState('');
  const [busy, setBusy] = useState(false);
  const enrol = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const r = await runSigned(() => requestSignature({ method: 'network.enrol', input: { patientId, request } }));
    setBusy(false);
    if (r?.method === 'network.enrol') {
      setRequest('');
      toast('info', `Enrolled: ${r.value.linked} record(s) wrapped for the patient's laptop.`);
    }
  };
  return (
    <details className="card" data-testid="enrol-laptop">
      <summary>Enrol the patient's laptop</summary>
      <form onSubmit={enrol}>
        <label>Enrolment request the laptop shows
          <textarea required rows={3} value={request} onChange={(e) => setRequest(e.target.value)} placeholder="trichain-enrol:…" data-testid="enrol-request" />
        </label>
        <button type="submit" disabled={busy || !request.trim()} data-testid="enrol-submit">Check and enrol…</button>
      </form>
    </details>
  );
}
