/**
 * Batch items for Ledger.commitBlocks (catch-up, ./catch-up) and the certificate audit: the checks
 * commitBlock makes on transaction signatures and commit certificates, minus the pairings, which
 * BlsApi.batchVerify then does for many at once (random linear combination, one multi-pairing).
 */
import type { BatchItem, BlsApi } from '../crypto/bls-types';
import { bitmapIndices, quorum } from './certificate';
import { txSigningBytes, voteMessage } from './encoding';
import { BlockRejected } from './errors';
import { leafHash } from './merkle';
import type { BlockHeader, Certificate, ChainId, SignedTx, ValidatorInfo } from './types';
import type { VerifiedSignatures } from './verified';

/**
 * `verified`: transactions whose signature it holds are left out; the others are returned with
 * their ids (each transaction's signing bytes encoded once, for its item and its id), for the
 * caller to add once the batch verifies.
 */
export function txSignatureItems(chain: ChainId, height: number, txs: SignedTx[], out: BatchItem[], verified?: VerifiedSignatures): { tx: SignedTx; id: Uint8Array }[] {
  const fresh: { tx: SignedTx; id: Uint8Array }[] = [];
  for (const tx of txs) {
    if (!(tx?.author instanceof Uint8Array) || tx.author.length !== 48 || !(tx.sig instanceof Uint8Array) || tx.sig.length !== 96) {
      throw new BlockRejected(chain, height, 'a transaction has a malformed author key or signature');
    }
    const message = txSigningBytes(tx);
    if (verified) {
      const id = leafHash(message);
      if (verified.has(tx, id)) continue;
      fresh.push({ tx, id });
    }
    out.push({ publicKey: tx.author, message, signature: tx.sig });
  }
  return fresh;
}

/**
 * A certificate as one batch item: checkCertificate's checks but the pairing, and its signers'
 * aggregate key (sound because every validator key was admitted with a proof of possession).
 */
export function certificateItem(bls: BlsApi, vs: ValidatorInfo[], header: BlockHeader, hash: Uint8Array, cert: Certificate): BatchItem {
  const fail = (reason: string): never => {
    throw new BlockRejected(header.chain, header.height, reason);
  };
  if (!cert || !(cert.signature instanceof Uint8Array) || cert.signature.length !== 96) fail('certificate signature is not 96 bytes');
  if (!Number.isSafeInteger(cert.round) || cert.round < 0) fail('certificate round is invalid');
  let signers: number[] = [];
  try {
    signers = bitmapIndices(cert.signers, vs.length);
  } catch (e) {
    fail((e as Error).message);
  }
  if (signers.length < quorum(vs.length)) fail(`certificate has ${signers.length} signers, quorum is ${quorum(vs.length)}`);
  return { publicKey: bls.aggregatePublicKeys(signers.map((i) => vs[i].blsPk)), message: voteMessage(header.genesis, header.height, cert.round, 'precommit', hash), signature: cert.signature };
}
