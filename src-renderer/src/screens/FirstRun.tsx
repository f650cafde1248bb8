import { useEffect, useState } from 'react';
import { ENTITY_KINDS, type UserRole } from '../../../src-shared/api';
import { api, useApp } from '../store';
import { runSigned } from '../useLoad';
import { JoinCard, JoinedPanel } from './JoinNetwork';

/** First run: create this node's identity, join a network by invite, or start a demo consortium. */
export function FirstRun() {
  const loadSession = useApp((s) => s.loadSession);
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const [busy, setBusy] = useState<string | null>(null);
  const [role, setRole] = useState<UserRole>('clinician');
  const [displayName, setDisplayName] = useState('');
  const [organization, setOrganization] = useState('');
  const [entityKind, setEntityKind] = useState<(typeof ENTITY_KINDS)[number]>('insurer');
  const [network, setNetwork] = useState('');
  /** After joining: the peer line to hand back, shown before entering the app. */
  const [joined, setJoined] = useState<{ network: string; inviter: string; peerLine: string } | null>(null);
  /** A new patient's recovery phrase and enrolment request, shown once before entering the app. */
  const [keys, setKeys] = useState<{ phrase: string; request: string } | null>(null);
  // A first run with an empty data folder starts the demo on its own: show how far it got, and
  // enter the app as soon as it runs (the node reports its stage; we ask once a second).
  const [demoStage, setDemoStage] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const st = await api()['demo.status']({});
        if (!live) return;
        if (st.running) { await loadSession(); return; }
        const starting = !!st.stage && st.stage !== 'ready' && !st.stage.startsWith('failed');
        setDemoStage(starting ? st.stage! : null);
        if (st.stage?.startsWith('failed')) toast('error', `The demo could not start: ${st.stage.slice(8)}`);
        else if (starting) timer = setTimeout(poll, 1000);
      } catch { /* the node answers app.info; a failed status poll only hides the progress */ }
    };
    void poll();
    return () => { live = false; if (timer) clearTimeout(timer); };
  }, [loadSession, toast]);

  const startDemo = async () => {
    setBusy('demo');
    try {
      await api()['demo.start']({});
      await loadSession();
    } catch (e) {
      toast('error', `Could not start the demo: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  const createIdentity = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy('identity');
    const r = await runSigned(() => requestSignature({
      method: 'identity.create',
      input: { role, displayName, organization: organization || undefined, entityKind: role === 'entity' ? entityKind : undefined, network: role === 'clinician' && network.trim() ? network.trim() : undefined },
    }));
    setBusy(null);
    const made = r?.method === 'identity.create' ? r.value : null;
    if (made?.recoveryPhrase && made.enrolmentRequest) setKeys({ phrase: made.recoveryPhrase, request: made.enrolmentRequest });
    else if (r) await loadSession().catch((err: Error) => toast('error', err.message));
  };

  if (keys) {
    return (
      <main className="first-run" data-testid="recovery-phrase" aria-labelledby="phrase-title">
        <h1 id="phrase-title">Your keys were made on this computer</h1>
        <p className="lead">No hospital holds them. Write down these 24 words now: they are shown only this once, and they restore your keys on a new computer. Anyone who has them can act as you.</p>
        <ol className="phrase" data-testid="phrase-words">
          {keys.phrase.split(' ').map((w, i) => <li key={i}>{w}</li>)}
        </ol>
        <h2>Enrol at your hospital</h2>
        <p>Give your hospital this enrolment request (it holds public keys only). The clinic enters it to link your records to your keys.</p>
        <textarea readOnly rows={4} value={keys.request} aria-label="Enrolment request" data-testid="enrolment-request" />
        <button type="button" className="primary" data-testid="phrase-done" onClick={() => { setKeys(null); void loadSession().catch((err: Error) => toast('error', err.message)); }}>
          I have written the words down
        </button>
      </main>
    );
  }

  if (joined) return <JoinedPanel joined={joined} onDone={() => { setJoined(null); void loadSession().catch((err: Error) => toast('error', err.message)); }} />;

  return (
    <main className="first-run" data-testid="first-run" aria-labelledby="first-run-title">
      <h1 id="first-run-title">Welcome to Trichain</h1>
      <p className="lead">Share medical records between clinics, patients and authorized organizations over three permissioned ledgers.</p>
      <div className="cards">
        <section className="card" aria-labelledby="demo-title">
          <h2 id="demo-title">Start a demo</h2>
          <p>Runs a whole consortium on this computer — two hospitals, a patient, an insurer and a research institute — with synthetic patients. Switch between roles at any time.</p>
          {demoStage && (
            <p role="status" aria-live="polite" className="muted" data-testid="demo-progress">Starting the demo consortium: {demoStage}…</p>
          )}
          <button type="button" className="primary" onClick={startDemo} disabled={busy !== null} aria-busy={busy === 'demo' || !!demoStage} data-testid="start-demo">
            {busy === 'demo' || demoStage ? 'Starting the demo…' : 'Start demo'}
          </button>
        </section>

        <section className="card" aria-labelledby="identity-title">
          <h2 id="identity-title">Create an identity</h2>
          <p className="muted">A hospital founds a new network here (its three chains) and invites the others; a patient or an organization joins one afterwards.</p>
          <form onSubmit={createIdentity} data-testid="identity-form">
            <fieldset>
              <legend>I am a</legend>
              {(['clinician', 'patient', 'entity'] as const).map((r) => (
                <label key={r} className="check">
                  <input type="radio" name="role" value={r} checked={role === r} onChange={() => setRole(r)} data-testid={`identity-role-${r}`} />
                  {r === 'entity' ? 'external organization' : r}
                </label>
              ))}
            </fieldset>
            <label>Name<input required value={displayName} onChange={(e) => setDisplayName(e.target.value)} autoComplete="name" data-testid="identity-name" /></label>
            {role !== 'patient' && (
              <label>Organization<input value={organization} onChange={(e) => setOrganization(e.target.value)} autoComplete="organization" data-testid="identity-org" /></label>
            )}
            {role === 'clinician' && (
              <label>Network name<input value={network} onChange={(e) => setNetwork(e.target.value)} placeholder={`${organization || displayName || 'Hospital'} network`} data-testid="identity-network" /></label>
            )}
            {role === 'entity' && (
              <label>Kind
                <select value={entityKind} onChange={(e) => setEntityKind(e.target.value as typeof entityKind)}>
                  {ENTITY_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
                </select>
              </label>
            )}
            <button type="submit" className="primary" disabled={busy !== null || !displayName.trim()} data-testid="identity-create">{role === 'clinician' ? 'Found a network' : 'Create identity'}</button>
          </form>
        </section>

        <JoinCard busy={busy !== null} setBusy={(b) => setBusy(b ? 'join' : null)} onJoined={setJoined} />
      </div>
    </main>
  );
}
