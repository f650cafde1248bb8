import { useState } from 'react';
import { ENTITY_KINDS, type UserRole } from '../../../src-shared/api';
import { ScanInvite } from '../components/ScanInvite';
import { useApp } from '../store';
import { runSigned } from '../useLoad';

type Joined = { network: string; inviter: string; peerLine: string; recoveryPhrase?: string; enrolmentRequest?: string };

/**
 * First run, joining: this node's identity (a workstation or second hospital, a patient laptop,
 * an outside organization) and the invite it was given, pasted or read from its QR code. The sign dialog shows whom it joins (the
 * network, the inviting node, its address and certificate fingerprint) before anything is trusted.
 * `onJoined` gets the peer line to hand back to the inviting hospital.
 */
export function JoinCard({ busy, setBusy, onJoined }: { busy: boolean; setBusy(b: boolean): void; onJoined(j: Joined): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const [invite, setInvite] = useState('');
  const [role, setRole] = useState<UserRole>('clinician');
  const [displayName, setDisplayName] = useState('');
  const [entityKind, setEntityKind] = useState<(typeof ENTITY_KINDS)[number]>('insurer');

  const join = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const identity = { role, displayName, entityKind: role === 'entity' ? entityKind : undefined };
    const r = await runSigned(() => requestSignature({ method: 'network.join', input: { invite, identity } }));
    setBusy(false);
    if (r?.method === 'network.join') onJoined({ network: r.value.networkId, inviter: r.value.inviter.name, peerLine: r.value.peerLine, recoveryPhrase: r.value.recoveryPhrase, enrolmentRequest: r.value.enrolmentRequest });
  };

  return (
    <section className="card" aria-labelledby="join-title">
      <h2 id="join-title">Join a network</h2>
      <form onSubmit={join} data-testid="join-form">
        <label>Invite
          <textarea required rows={4} value={invite} onChange={(e) => setInvite(e.target.value)} placeholder="Paste the invite you were given (trichain-invite:…)" data-testid="join-invite" />
        </label>
        <ScanInvite onInvite={setInvite} disabled={busy} />
        <fieldset>
          <legend>This computer is</legend>
          {(['clinician', 'patient', 'entity'] as const).map((r) => (
            <label key={r} className="check">
              <input type="radio" name="join-role" value={r} checked={role === r} onChange={() => setRole(r)} data-testid={`join-role-${r}`} />
              {r === 'clinician' ? 'a hospital or clinic workstation' : r === 'entity' ? 'an outside organization' : 'a patient laptop'}
            </label>
          ))}
        </fieldset>
        <label>{role === 'clinician' ? 'Workstation or hospital name' : 'Name'}<input required value={displayName} onChange={(e) => setDisplayName(e.target.value)} data-testid="join-name" /></label>
        {role === 'entity' && (
          <label>Kind
            <select value={entityKind} onChange={(e) => setEntityKind(e.target.value as typeof entityKind)} data-testid="join-kind">
              {ENTITY_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </label>
        )}
        <button type="submit" className="primary" disabled={busy || !invite.trim() || !displayName.trim()} data-testid="join-submit">Check the invite…</button>
      </form>
    </section>
  );
}

/** After joining: the peer line to hand back, shown before entering the app. */
export function JoinedPanel({ joined, onDone }: { joined: Joined; onDone(): void }) {
  return (
    <main className="first-run" data-testid="joined" aria-labelledby="joined-title">
      <h1 id="joined-title">Joined {joined.network}</h1>
      <p className="lead">This node trusts {joined.inviter} now. For {joined.inviter} to accept this node, give its operator this peer line (it holds public keys only). The chains arrive once it is admitted.</p>
      <textarea readOnly rows={5} value={joined.peerLine} aria-label="Peer line" data-testid="joined-peerline" onFocus={(e) => e.currentTarget.select()} />
      <p className="muted">You find it again under Network.</p>
      {joined.recoveryPhrase && (
        <section data-testid="recovery-phrase" aria-labelledby="joined-phrase-title">
          <h2 id="joined-phrase-title">Your keys were made on this computer</h2>
          <p>No hospital holds them. Write down these 24 words now: they are shown only this once, and they restore your keys on a new computer. Anyone who has them can act as you.</p>
          <ol className="phrase" data-testid="phrase-words">{joined.recoveryPhrase.split(' ').map((w, i) => <li key={i}>{w}</li>)}</ol>
          {joined.enrolmentRequest && (
            <label>Enrolment request for your hospital (public keys only)
              <textarea readOnly rows={4} value={joined.enrolmentRequest} data-testid="enrolment-request" />
            </label>
          )}
        </section>
      )}
      <button type="button" className="primary" onClick={onDone} data-testid="joined-done">Continue</button>
    </main>
  );
}
