import { useEffect, useRef } from 'react';
import { useApp } from '../store';

/**
 * Confirmation of a signed action. The summary (who signs, what, on which chain) comes from the
 * node's sign.prepare; nothing is signed until the user presses "Sign". Keys never reach this page.
 */
export function SignDialog() {
  const sign = useApp((s) => s.sign);
  const confirm = useApp((s) => s.confirmSign);
  const cancel = useApp((s) => s.cancelSign);
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (sign && !d.open) d.showModal();
    if (!sign && d.open) d.close();
  }, [sign]);

  const summary = sign?.prepared.summary;
  return (
    <dialog
      ref={ref}
      className="sign-dialog"
      aria-labelledby="sign-title"
      aria-describedby="sign-what"
      data-testid="sign-dialog"
      onCancel={(e) => { e.preventDefault(); cancel(); }}
    >
      {summary && (
        <form method="dialog" onSubmit={(e) => { e.preventDefault(); void confirm(); }}>
          <h2 id="sign-title">Confirm and sign</h2>
          <dl className="kv">
            <dt>Signed by</dt>
            <dd data-testid="sign-who">{summary.who}</dd>
            <dt>Action</dt>
            <dd id="sign-what" data-testid="sign-what">{summary.what}</dd>
            <dt>Chain</dt>
            <dd data-testid="sign-chain">{summary.chain.map((c) => `${c} chain`).join(', ')}</dd>
            {summary.details.map((d, i) => (
              <div key={i} className="kv-row">
                <dt>{d.label}</dt>
                <dd>{d.value}</dd>
              </div>
            ))}
          </dl>
          <p className="muted">Your key stays on this node; it signs only after you confirm.</p>
          <div className="actions">
            <button type="button" onClick={cancel} disabled={sign.busy} data-testid="sign-cancel">Cancel</button>
            <button type="submit" className="primary" disabled={sign.busy} data-testid="sign-confirm" autoFocus>
              {sign.busy ? 'Signing…' : 'Sign'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
