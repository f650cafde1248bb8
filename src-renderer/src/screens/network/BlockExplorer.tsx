import { useEffect, useState } from 'react';
import type { ChainId } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';
import { BlockDetail } from './BlockDetail';

/** Newest blocks of one chain, paged backwards; a block opens with its txs and certificate. */
export function BlockExplorer({ chain, onClose }: { chain: ChainId; onClose(): void }) {
  const [before, setBefore] = useState<number | undefined>(undefined);
  const [height, setHeight] = useState<number | null>(null);
  const state = useLoad(() => api()['chains.blocks']({ chain, before, limit: 20 }), [chain, before]);
  const client = useApp((s) => s.client);
  const { reload } = state;
  // The newest page follows the chain, empty blocks included (at most every 2 s).
  useEffect(() => {
    if (!client || before !== undefined) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = client.bridge.on('chain.updated', (p) => {
      if (p.chain === chain && !timer) timer = setTimeout(() => { timer = null; reload(); }, 2000);
    });
    return () => { off(); if (timer) clearTimeout(timer); };
  }, [client, chain, before, reload]);
  return (
    <section className="card explorer" aria-labelledby="explorer-title" data-testid="block-explorer">
      <header className="row-between">
        <h2 id="explorer-title">{chain} chain blocks</h2>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close the block explorer">Close</button>
      </header>
      <Async state={state} label="blocks" isEmpty={(d) => d.blocks.length === 0} emptyText="No blocks.">
        {(d) => (
          <>
            <table className="table">
              <caption className="sr-only">Blocks of the {chain} chain</caption>
              <thead><tr><th scope="col">Height</th><th scope="col">Hash</th><th scope="col">Time</th><th scope="col">Proposer</th><th scope="col">Txs</th><th scope="col">Signers</th></tr></thead>
              <tbody>
                {d.blocks.map((b) => (
                  <tr key={b.height} data-testid="block-row" data-height={b.height} data-signers={b.signerCount}>
                    <td><button type="button" className="link" onClick={() => setHeight(b.height)} aria-pressed={height === b.height}>#{b.height}</button></td>
                    <td><code title={b.hash}>{b.hash.slice(0, 16)}…</code></td>
                    <td>{new Date(b.time).toLocaleString()}</td>
                    <td>{b.proposer}</td>
                    <td>{b.txCount}</td>
                    <td>{b.signerCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="actions">
              {before !== undefined && <button type="button" onClick={() => setBefore(undefined)}>Newest</button>}
              {d.nextBefore !== undefined && <button type="button" onClick={() => setBefore(d.nextBefore)}>Older</button>}
            </div>
          </>
        )}
      </Async>
      {height !== null && <BlockDetail chain={chain} height={height} />}
    </section>
  );
}
