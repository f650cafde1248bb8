import type { Consent, SharedPackageRef } from '../../../../src-shared/api';
import { useApp } from '../../store';
import { runSigned } from '../../useLoad';
import { labelsInWords } from '../../../../src-shared/explain';

/** "147 records in 1 package", or that nothing went out. */
export function sharedInWords(shared: SharedPackageRef[]): string {
  if (!shared.length) return 'nothing yet';
  const n = shared.reduce((k, p) => k + p.resourceCount, 0);
  return `${n.toLocaleString('en')} record${n === 1 ? '' : 's'} in ${shared.length} package${shared.length === 1 ? '' : 's'}`;
}

/** One consent: who, why, which categories, until when, what already went out under it; edit or revoke. */
export function ConsentCard({ consent: c, shared, onEdit }: { consent: Consent; shared: SharedPackageRef[]; onEdit(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const revoke = async () => {
    const r = await runSigned(() => requestSignature({ method: 'consents.revoke', input: { consentId: c.id } }));
    if (r && r.method === 'consents.revoke') {
      const before = r.value.alreadyShared.filter((p) => p.consentId === c.id);
      toast('info', `Consent revoked. No further data goes to ${c.entity.name}.${before.length ? ` Already shared under it, and not called back: ${sharedInWords(before)}.` : ''}`);
    }
  };
  return (
    <li className={`card consent consent-${c.status}`} data-testid="consent-card" data-status={c.status} aria-label={`Consent for ${c.entity.name}`}>
      <div className="row-between">
        <h3>{c.entity.name}</h3>
        <span className={`badge badge-${c.status === 'active' ? 'good' : 'neutral'}`} data-testid="consent-status-badge">{c.status}{c.pending ? ' (pending)' : ''}</span>
      </div>
      <dl className="kv">
        <dt>Why</dt><dd>{c.purpose}</dd>
        <dt>What</dt><dd>{labelsInWords(c.categories)}{c.includeSensitive.length ? ` — including ${labelsInWords(c.includeSensitive)}` : ' — sensitive records excluded'}</dd>
        <dt>Until</dt><dd><time dateTime={c.validUntil}>{c.validUntil}</time></dd>
        <dt>Granted</dt><dd><time dateTime={c.grantedAt}>{new Date(c.grantedAt).toLocaleDateString()}</time></dd>
        {c.revokedAt && (<><dt>Revoked</dt><dd>{new Date(c.revokedAt).toLocaleDateString()}</dd></>)}
        <dt>Shared under it</dt><dd data-testid="consent-shared">{sharedInWords(shared)}</dd>
      </dl>
      {c.status === 'active' && (
        <div className="actions">
          <button type="button" onClick={onEdit} data-testid="edit-consent">Edit</button>
          <button type="button" className="danger" onClick={revoke} data-testid="revoke-consent">Revoke</button>
        </div>
      )}
    </li>
  );
}
