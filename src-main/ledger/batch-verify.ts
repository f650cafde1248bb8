/**
 * Batch items for Ledger.commitBlocks (catch-up, ./catch-up) and the certificate audit: the checks
 * commitBlock makes on transaction signatures and commit certificates, minus the pairings, which
 * BlsApi.batchVerify then does for many at once (random linear combination, one multi-pairing).
 */
import type { BatchItem, BlsApi } from '../crypto/bls-types';
import { bitmapIndices, quorum } from './certificate';
import { txSigningBytes, voteMessage } from './encoding';
import { BlockRejected } from './errors';
import type { BlockHeader, Certificate, ChainId, SignedTx, ValidatorInfo } from './types';

export function txSignatureItems(chain: ChainId, height: number, txs: SignedTx[], out: BatchItem[]): void {
  for (const tx of txs) {
    if (!(tx?.author instanceof Uint8Array) || tx.author.length !== 48 || !(tx.sig instanceof Uint8Array) || tx.sig.length !== 96) {
      throw new BlockRejected(chain, height, 'a transaction has a malformed author key or signature');
    }
    out.push({ publicKey: tx.author, message: txSigningBytes(tx), signature: tx.sig });
  }
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
