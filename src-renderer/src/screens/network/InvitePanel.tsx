import { useState } from 'react';
import { ENTITY_KINDS, type ApiOutput } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { runSigned } from '../../useLoad';

type Invite = ApiOutput<'network.invite'>;

/**
 * A founding hospital's side of joining: its invite as text and as a QR code, and admitting the
 * peer line a joining node hands back (the sign dialog names the node and its role before it signs).
 */
export function InvitePanel() {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const [invite, setInvite] = useState<Invite | null>(null);
  const [busy, setBusy] = useState(false);
  const [line, setLine] = useState('');
  const [kind, setKind] = useState<(typeof ENTITY_KINDS)[number] | ''>('');
  const [address, setAddress] = useState('');
  const [admitted, setAdmitted] = useState<ApiOutput<'network.admit'> | null>(null);

  const makeInvite = async () => {
    setBusy(true);
    try {
      setInvite(await api()['network.invite']({}));
    } catch (e) {
      toast('error', `No invite: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const admit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const r = await runSigned(() => requestSignature({ method: 'network.admit', input: { peerLine: line, kind: kind || undefined, address: address.trim() || undefined } }));
    setBusy(false);
    if (r?.method === 'network.admit') {
      setAdmitted(r.value);
      setLine('');
      setAddress('');
      toast('info', `Admitted ${r.value.peer.name} (${r.value.peer.role}).`);
    }
  };

  return (
    <div className="cards" data-testid="invite-panel">
      <section className="card" aria-labelledby="invite-title">
        <h2 id="invite-title">Invite a node</h2>
        <p className="muted">A workstation, another hospital, an outside organization or a patient laptop joins with this invite. It is good for 7 days.</p>
        <button type="button" onClick={makeInvite} disabled={busy} data-testid="invite-make">{invite ? 'Make a new invite' : 'Show invite'}</button>
        {invite && (
          <>
            <img className="qr" src={invite.qrSvg} alt={`QR code of the invite to ${invite.network}`} width={220} height={220} data-testid="invite-qr" />
            <label>Invite (network {invite.network}, peer {invite.address}; good until {invite.expiresAt.slice(0, 10)})
              <textarea readOnly rows={5} value={invite.invite} data-testid="invite-text" onFocus={(e) => e.currentTarget.select()} />
            </label>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="admit-title">
        <h2 id="admit-title">Admit a node</h2>
        <form onSubmit={admit}>
          <label>Peer line the joining node shows
            <textarea required rows={4} value={line} onChange={(e) => setLine(e.target.value)} placeholder="trichain-peer:…" data-testid="admit-line" />
          </label>
          <label>If it is an outside organization, its kind
            <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} data-testid="admit-kind">
              <option value="">not an organization</option>
              {ENTITY_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </label>
          <label>Its peer address, for a hospital or workstation (its Network page shows it; then this node fetches the records it writes)
            <input value={address} onChange={(e) => setAddress(e.target.value)} placeholder="host:port" data-testid="admit-address" />
          </label>
          <button type="submit" className="primary" disabled={busy || !line.trim()} data-testid="admit-submit">Check and admit…</button>
        </form>
        {admitted && (
          <p role="status" data-testid="admit-result">
            {admitted.peer.name} ({admitted.peer.role}) admitted: {admitted.registered.map((r) => `${r.chain} ${r.status.replace('-', ' ')}`).join(', ')}.
          </p>
        )}
      </section>
    </div>
  );
}
