import type { ChainId } from '../../../../src-shared/api';
import { api } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';

/** One block: header, transactions, and its commit certificate (one aggregate signature, signers bitmap). */
export function BlockDetail({ chain, height }: { chain: ChainId; height: number }) {
  const state = useLoad(() => api()['chains.block']({ chain, height }), [chain, height]);
  return (
    <div className="block-detail" data-testid="block-detail">
      <Async state={state} label={`block ${height}`}>
        {({ block: b }) => (
          <>
            <h3>Block #{b.height}</h3>
            <dl className="kv">
              <dt>Hash</dt><dd><code className="wrap">{b.hash}</code></dd>
              <dt>Previous</dt><dd><code className="wrap">{b.prevHash}</code></dd>
              <dt>Tx root</dt><dd><code className="wrap">{b.txRoot}</code></dd>
              <dt>Proposer</dt><dd>{b.proposer}</dd>
            </dl>
            <h4>Transactions ({b.txs.length})</h4>
            {b.txs.length === 0 ? <p className="muted">Empty block.</p> : (
              <ul className="list compact">{b.txs.map((t) => <li key={t.id}><code>{t.kind}</code> {t.summary} <span className="muted">({t.bytes} bytes)</span></li>)}</ul>
            )}
            <h4>Commit certificate</h4>
            <p data-testid="certificate">
              {b.certificate.signers.length} of the validators signed (quorum {b.certificate.quorum}); one aggregate signature of {b.certificate.aggregateSignature.replace(/^0x/, '').length / 2} bytes
              {' '}({b.certificate.bytes} bytes with the signer bitmap).
            </p>
            <p className="muted">Signers: {b.certificate.signers.map((s) => s.name).join(', ')} · bitmap <code>{b.certificate.bitmap}</code></p>
            <code className="wrap">{b.certificate.aggregateSignature}</code>
          </>
        )}
      </Async>
    </div>
  );
}
