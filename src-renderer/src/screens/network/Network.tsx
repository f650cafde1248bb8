import { useEffect, useState } from 'react';
import type { ChainId, EventPayload } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';
import { ChainCard } from './ChainCard';
import { BlockExplorer } from './BlockExplorer';
import { SignatureChart } from './SignatureChart';
import { NodePanel } from './NodePanel';
import { ValidatorsPanel } from './ValidatorsPanel';

/** The three chains: height, validators, peers, sync, pending txs; block explorer; signature storage. */
export function Network() {
  const client = useApp((s) => s.client);
  const state = useLoad(() => api()['chains.status']({}), []);
  const [explore, setExplore] = useState<ChainId | null>(null);
  const [sync, setSync] = useState<Partial<Record<ChainId, EventPayload<'sync.progress'>>>>({});
  const { reload } = state;

  useEffect(() => {
    if (!client) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const offs = [
      client.bridge.on('sync.progress', (p) => setSync((s) => ({ ...s, [p.chain]: p }))),
      client.bridge.on('tx.pending', () => reload()),
      // Heights move with every block, empty ones included (at most every 2 s).
      client.bridge.on('chain.updated', () => {
        if (!timer) timer = setTimeout(() => { timer = null; reload(); }, 2000);
      }),
    ];
    return () => { offs.forEach((off) => off()); if (timer) clearTimeout(timer); };
  }, [client, reload]);

  return (
    <section aria-labelledby="network-title" data-testid="network-view">
      <h1 id="network-title">Network</h1>
      <NodePanel />
      <ValidatorsPanel />
      <Async state={state} label="chain status" isEmpty={(d) => d.chains.length === 0} emptyText="This node replicates no chain yet.">
        {(d) => (
          <div className="cards three">
            {d.chains.map((c) => (
              <ChainCard key={c.chain} status={c} live={sync[c.chain]} onExplore={() => setExplore(c.chain)} exploring={explore === c.chain} />
            ))}
          </div>
        )}
      </Async>
      {explore && <BlockExplorer chain={explore} onClose={() => setExplore(null)} />}
      <SignatureChart />
    </section>
  );
}
