/**
 * Blocks stored with a pending certificate (Ledger.commitBlock `certificateLater`: the CometBFT
 * application, whose certificate lands two heights later) and the certificate attached when it
 * arrives. Such a block is not served to syncing peers nor used in proofs until then.
 */
import { checkCertificate, isPendingCertificate } from './certificate';
import { blockHash, encodeBlock } from './encoding';
import { BlockRejected } from './errors';
import type { Ledger } from './ledger';
import type { Certificate, ChainId } from './types';

/** Adds the certificate of a block stored with a pending one, after checking it against the validator set in force at that height. Throws BlockRejected. */
export function attachCertificate(ledger: Ledger, chain: ChainId, height: number, cert: Certificate): void {
  ledger.db.transaction(() => {
    const block = ledger.block(chain, height);
    if (!block) throw new BlockRejected(chain, height, 'no such block to certify');
    const hash = blockHash(block.header);
    const c = checkCertificate(ledger.bls, ledger.validatorsAt(chain, height), block.header.genesis, height, hash, cert);
    if (!c.ok) throw new BlockRejected(chain, height, c.reason);
    if (!isPendingCertificate(block.cert)) return; // already certified (any valid certificate will do)
    ledger.db.prepare('UPDATE blocks SET bytes = ? WHERE chain = ? AND height = ?').run(encodeBlock({ ...block, cert }), chain, height);
  }).immediate();
}

/** The highest height up to which every block carries its certificate (blocks above wait for theirs). */
export function certifiedHeight(ledger: Ledger, chain: ChainId): number {
  let h = ledger.height(chain);
  while (h > 0 && isPendingCertificate(ledger.block(chain, h)?.cert)) h--;
  return h;
}
