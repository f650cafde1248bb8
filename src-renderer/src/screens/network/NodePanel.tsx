import { useEffect } from 'react';
import { api, useApp } from '../../store';
import { useLoad } from '../../useLoad';
import { Age, useNow } from '../../components/Age';
import { InvitePanel } from './InvitePanel';

/**
 * This node in its network, from the running daemon: where it serves peers, whether its peers
 * answer, its offline queue (own transactions signed here and not yet committed, with their age),
 * and what the network refused. A hospital that founded the network invites and admits here; a
 * joined node finds the peer line it hands back.
 */
export function NodePanel() {
  // The demo's nodes run inside this engine; their network is the demo's own (no invites, no queue to show).
  const demo = useApp((s) => s.info?.demo ?? false);
  return demo ? null : <OwnNodePanel />;
}

function OwnNodePanel() {
  const client = useApp((s) => s.client);
  const state = useLoad(() => api()['network.status']({}), []);
  const now = useNow();
  const { reload } = state;

  useEffect(() => {
    if (!client) return;
    const offs = [
      client.bridge.on('tx.pending', () => reload()),
      client.bridge.on('sync.progress', (p) => { if (p.state === 'offline') reload(); }),
      client.bridge.on('chain.updated', () => reload()),
    ];
    // Whether peers answer is learnt every round, not announced: look again now and then.
    const t = setInterval(reload, 5000);
    return () => { offs.forEach((off) => off()); clearInterval(t); };
  }, [client, reload]);

  const d = state.data;
  if (!d) return state.error ? <p className="inline-error" role="alert">Could not load this node's network state: {state.error}</p> : null;
  const status = !d.running ? 'not running' : d.online === null ? 'connecting' : d.online ? 'online' : 'offline';
  return (
    <section aria-labelledby="node-title" data-testid="node-panel" data-online={String(d.online)}>
      <div className="card">
        <h2 id="node-title">This node {d.network && <>in <span data-testid="node-network">{d.network}</span></>}</h2>
        <dl className="kv">
          <dt>Status</dt>
          <dd><span className={`badge badge-${status === 'online' ? 'good' : status === 'offline' ? 'bad' : 'warn'}`} data-testid="node-status">{status}</span></dd>
          <dt>Peer address</dt><dd><code data-testid="node-address">{d.address ?? 'none'}</code></dd>
          {d.fingerprint && <><dt>Certificate</dt><dd><code title={d.fingerprint}>{d.fingerprint}</code></dd></>}
          {d.joined && <><dt>Joined</dt><dd>through {d.joined.via}, <Age since={d.joined.at} now={now} /> ago</dd></>}
        </dl>
        {d.peers.length > 0 && (
          <ul className="list compact" aria-label="Peers" data-testid="node-peers">
            {d.peers.map((p) => (
              <li key={p.fingerprint} data-testid="node-peer" data-reachable={String(p.reachable)}>
                {p.reachable ? '⇄' : p.reachable === false ? '×' : '…'} {p.name} ({p.role}) <code>{p.address}</code>
                {p.reachable === false && <> — unreachable{p.downSince && <> for <Age since={p.downSince} now={now} /></>}{p.reason && `: ${p.reason}`}</>}
                {p.bad && <> — dropped: {p.bad}</>}
              </li>
            ))}
          </ul>
        )}
        {d.peerLine && (
          <details open={!d.online} data-testid="node-peerline">
            <summary>Peer line for the hospital that invited this node</summary>
            <p className="muted">Until that hospital admits this line, its node does not answer this one.</p>
            <textarea readOnly rows={4} value={d.peerLine} aria-label="Peer line" onFocus={(e) => e.currentTarget.select()} />
          </details>
        )}
      </div>
      <div className="card" aria-labelledby="queue-title">
        <h2 id="queue-title">Waiting to commit</h2>
        {d.pending.length === 0 ? <p className="muted" data-testid="pending-empty">Nothing waiting: every transaction signed here is on its chain.</p> : (
          <ul className="list compact" data-testid="pending-list">
            {d.pending.map((t) => (
              <li key={t.txId} data-testid="pending-tx">
                <span className="badge badge-warn">{t.status === 'pending' ? 'pending' : 'sent'}</span> {t.kind} on the {t.chain} chain, signed <Age since={t.createdAt} now={now} /> ago <code title={t.txId}>{t.txId.slice(0, 12)}…</code>
              </li>
            ))}
          </ul>
        )}
        {d.refused.length > 0 && (
          <>
            <h3>Refused by the network</h3>
            <ul className="list compact" role="alert" data-testid="refused-list">
              {d.refused.map((t) => (
                <li key={t.txId} data-testid="refused-tx"><span className="badge badge-bad">refused</span> {t.kind} on the {t.chain} chain (signed <Age since={t.createdAt} now={now} /> ago): {t.reason}</li>
              ))}
            </ul>
          </>
        )}
      </div>
      {d.canInvite && <InvitePanel />}
    </section>
  );
}
