import { useState } from 'react';
import { api, useApp } from '../store';
import { useLoad } from '../useLoad';
import { download } from '../download';
import { Async } from '../components/Async';
import { AUDIT_ACTION_WORDS, AUDIT_ROLE_WORDS } from '../../../src-shared/api';

/** Audit trail (clinician) / access log (patient): every access and share; the same entries exported as FHIR AuditEvent. */
export function Audit({ title }: { title: string }) {
  const patientId = useApp((s) => s.patientId);
  const role = useApp((s) => s.active?.role);
  const scoped = role === 'clinician' ? patientId ?? undefined : undefined;
  const state = useLoad(() => api()['audit.list']({ patientId: scoped }), [scoped]);
  const toast = useApp((s) => s.toast);
  const [exporting, setExporting] = useState(false);
  const exportFhir = async () => {
    setExporting(true);
    try {
      const r = await api()['audit.export']({ patientId: scoped });
      download(r.filename, r.mediaType, r.content);
      toast('info', `Exported ${r.entries.toLocaleString('en')} entries as FHIR AuditEvent (${r.filename}).`);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
    setExporting(false);
  };
  return (
    <section aria-labelledby="audit-title" data-testid="audit-view">
      <header className="chart-header">
        <h1 id="audit-title">{title}</h1>
        <div className="actions">
          <button type="button" onClick={exportFhir} disabled={exporting || !state.data?.entries.length} data-testid="audit-export">Export (FHIR AuditEvent)</button>
        </div>
      </header>
      <Async state={state} label="audit entries" isEmpty={(d) => d.entries.length === 0} emptyText="Nothing has been accessed or shared yet.">
        {(d) => (
          <table className="table" data-testid="audit-table">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">What</th><th scope="col">Chain</th></tr>
            </thead>
            <tbody>
              {d.entries.map((e) => (
                <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                  <td><time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time></td>
                  <td>{e.actor.name} <span className="muted">({AUDIT_ROLE_WORDS[e.actor.role]})</span></td>
                  <td><span className={`badge badge-${e.action === 'refused' ? 'bad' : 'neutral'}`}>{AUDIT_ACTION_WORDS[e.action]}</span></td>
                  <td><span data-testid="audit-subject">{e.subject}</span>{e.detail && <div className="muted">{e.detail}</div>}</td>
                  <td>{e.chain ? `${e.chain} chain` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}
