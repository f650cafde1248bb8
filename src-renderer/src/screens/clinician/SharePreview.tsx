import { api, useApp } from '../../store';
import { runSigned, useLoad } from '../../useLoad';
import { Async } from '../../components/Async';

/** The left-out records grouped by reason ("12 records (Claim ×12): category financial not …"). */
function groupExcluded(excluded: { resourceType: string; category: string; reason: string }[]) {
  const groups = new Map<string, { reason: string; count: number; byType: Map<string, number> }>();
  for (const e of excluded) {
    const g = groups.get(e.reason) ?? { reason: e.reason, count: 0, byType: new Map<string, number>() };
    g.count++;
    g.byType.set(e.resourceType, (g.byType.get(e.resourceType) ?? 0) + 1);
    groups.set(e.reason, g);
  }
  // Sensitive exclusions first: they are the ones a clinician must be sure about.
  return [...groups.values()]
    .sort((a, b) => Number(/sensitive/.test(b.reason)) - Number(/sensitive/.test(a.reason)) || b.count - a.count)
    .map((g) => ({ reason: g.reason, count: g.count, types: [...g.byType].map(([t, n]) => `${t} ×${n}`).join(', ') }));
}

/** What approving would publish (de-identified), what is left out and why; approve through signing. */
export function SharePreview({ requestId, onDone }: { requestId: string; onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const state = useLoad(() => api()['shares.preview']({ requestId }), [requestId]);
  const approve = async () => {
    const r = await runSigned(() => requestSignature({ method: 'shares.approve', input: { requestId } }));
    if (r && r.method === 'shares.approve') {
      const { request, package: pkg } = r.value;
      if (pkg) toast('info', `Published package ${pkg.id.slice(0, 12)} with a cross-chain proof.`);
      else toast(request.status === 'refused' ? 'error' : 'info', `Request ${request.status}${request.decision?.reason ? `: ${request.decision.reason}` : '.'}`);
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
            <p className="muted">{p.pseudonym && <>Pseudonym for this entity: <code>{p.pseudonym}</code> · </>}confidentiality {p.confidentiality}</p>
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
                {groupExcluded(p.excluded).map((g) => (
                  <li key={g.reason} data-testid="preview-excluded">
                    <strong>{g.count} record{g.count === 1 ? '' : 's'}</strong> ({g.types}): {g.reason}
                  </li>
                ))}
              </ul>
            )}
            <div className="actions">
              {p.decision === 'allowed' ? (
                <button type="button" className="primary" onClick={approve} data-testid="approve-request">Approve and publish</button>
              ) : (
                // The node decides again when it signs: the refusal and its reason go on the social
                // chain, so the entity sees why and the patient's access log lists it.
                <button type="button" className="danger" onClick={approve} data-testid="refuse-request">Answer: refuse (signed)</button>
              )}
            </div>
          </>
        )}
      </Async>
    </div>
  );
}
