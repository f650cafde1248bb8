import { api, useApp } from '../store';
import { useLoad } from '../useLoad';
import { Async } from '../components/Async';
import { AUDIT_ACTION_WORDS, AUDIT_ROLE_WORDS } from '../../../src-shared/api';

/** Audit trail (clinician) / access log (patient): every access and share. */
export function Audit({ title }: { title: string }) {
  const patientId = useApp((s) => s.patientId);
  const role = useApp((s) => s.active?.role);
  const scoped = role === 'clinician' ? patientId ?? undefined : undefined;
  const state = useLoad(() => api()['audit.list']({ patientId: scoped }), [scoped]);
  return (
    <section aria-labelledby="audit-title" data-testid="audit-view">
      <h1 id="audit-title">{title}</h1>
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
                  <td>{e.subject}{e.detail && <div className="muted">{e.detail}</div>}</td>
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
