import type { ApiOutput, EventPayload } from '../../../../src-shared/api';
import { Progress } from '../../components/Progress';

type ChainStatus = ApiOutput<'chains.status'>['chains'][number];

const TITLES = { hospital: 'Hospital chain', patient: 'Patient chain', social: 'Social chain' } as const;

/** One chain at a glance. `live` is the latest sync.progress event, fresher than the status. */
export function ChainCard({ status: c, live, onExplore, exploring }: { status: ChainStatus; live?: EventPayload<'sync.progress'>; onExplore(): void; exploring: boolean }) {
  const sync = live ?? c.sync;
  const online = c.validators.filter((v) => v.online).length;
  return (
    <article className="card chain-card" aria-labelledby={`chain-${c.chain}`} data-testid={`chain-${c.chain}`}>
      <h2 id={`chain-${c.chain}`}>{TITLES[c.chain]}</h2>
      {!c.replicated ? <p className="muted">Not replicated on this node.</p> : (
        <>
          <dl className="kv">
            <dt>Height</dt><dd data-testid="chain-height">{c.height}</dd>
            <dt>Head</dt><dd><code title={c.headHash}>{c.headHash.slice(0, 16)}…</code></dd>
            <dt>Validators</dt><dd>{online}/{c.validators.length} online · quorum {c.quorum}</dd>
            <dt>Peers</dt><dd>{c.peers.filter((p) => p.connected).length}/{c.peers.length} connected</dd>
            <dt>Pending txs</dt><dd data-testid="chain-pending">{c.pendingTxs}</dd>
            <dt>Sync</dt><dd><span className={`badge badge-${sync.state === 'synced' ? 'good' : sync.state === 'offline' ? 'bad' : 'warn'}`}>{sync.state}</span></dd>
          </dl>
          {sync.state === 'syncing' && <Progress value={sync.localHeight} max={sync.remoteHeight} label={`Sync ${c.chain}`} />}
          <details>
            <summary>Validators and peers</summary>
            <ul className="list compact">
              {c.validators.map((v) => <li key={v.id}>{v.online ? '●' : '○'} {v.name} <code title={v.publicKey}>{v.publicKey.slice(0, 12)}…</code></li>)}
              {c.peers.map((p) => <li key={p.id}>{p.connected ? '⇄' : '×'} {p.address} <code title={p.fingerprint}>{p.fingerprint.slice(0, 12)}…</code></li>)}
            </ul>
          </details>
          <button type="button" onClick={onExplore} aria-pressed={exploring} data-testid={`explore-${c.chain}`}>Explore blocks</button>
        </>
      )}
    </article>
  );
}
