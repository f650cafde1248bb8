import { api, useApp } from '../../store';
import { runSigned, useLoad } from '../../useLoad';
import { Async } from '../../components/Async';

/** What approving would publish (de-identified), what is left out and why; approve through signing. */
export function SharePreview({ requestId, onDone }: { requestId: string; onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const state = useLoad(() => api()['shares.preview']({ requestId }), [requestId]);
  const approve = async () => {
    const r = await runSigned(() => requestSignature({ method: 'shares.approve', input: { requestId } }));
    if (r && r.method === 'shares.approve') {
      toast('info', r.value.package ? `Published package ${r.value.package.id.slice(0, 12)} with a cross-chain proof.` : `Request ${r.value.request.status}.`);
      onDone();
    }
  };
  return (
    <div className="preview" data-testid="share-preview">
      <Async state={state} label="preview">
        {(p) => (
          <>
            <p data-testid="preview-decision" data-decision={p.decision}>
              <span className={`badge badge-${p.decision === 'allowed' ? 'good' : 'bad'}`}>{p.decision === 'allowed' ? 'Consent allows' : 'Consent refuses'}</span> {p.reason}
            </p>
            <p className="muted">Pseudonym for this entity: <code>{p.pseudonym}</code> · confidentiality {p.confidentiality}</p>
            <h3>Would be shared ({p.included.length})</h3>
            {p.included.length === 0 ? <p className="muted">Nothing.</p> : (
              <ul className="list compact">
                {p.included.map((r, i) => (
                  <li key={i} data-testid="preview-included">
                    <details>
                      <summary>{r.resourceType} · {r.category} — {r.summary}</summary>
                      <pre className="mono">{JSON.stringify(r.deidentified, null, 2)}</pre>
                    </details>
                  </li>
                ))}
              </ul>
            )}
            <h3>Left out ({p.excluded.length})</h3>
            {p.excluded.length === 0 ? <p className="muted">Nothing.</p> : (
              <ul className="list compact">
                {p.excluded.map((r, i) => <li key={i} data-testid="preview-excluded">{r.resourceType} · {r.category}: {r.reason}</li>)}
              </ul>
            )}
            <div className="actions">
              <button type="button" className="primary" onClick={approve} disabled={p.decision !== 'allowed'} data-testid="approve-request">Approve and publish</button>
            </div>
          </>
        )}
      </Async>
    </div>
  );
}
