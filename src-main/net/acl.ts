/**
 * Entitlements (DESIGN.md §3, §4): which chains and which blobs a peer may receive from this
 * node, as data plus pure functions. The server consults these before a single byte of a
 * chain or blob leaves the node.
 *
 * Chains (CHAIN_POLICY: the chains a role holds):
 *   hospital → patient, hospital, social   (provider nodes replicate everything)
 *   patient  → patient                     (a patient laptop never receives the hospital chain)
 *   entity   → social                      (an outside organization sees only the social chain)
 * Light chains (LIGHT_POLICY): a role holds these as a light client (ledger/light.ts):
 *   patient  → patient                     headers with certificates and only the patient's own
 *                                          transactions with inclusion proofs (net/light-sync.ts);
 *                                          whole blocks of that chain are refused to it (403)
 *
 * Blobs (ciphertexts in the content-addressed store; mayReceiveBlob):
 *   patient  → records whose patient is this peer; nothing else.
 *   entity   → share packages addressed to this peer; nothing else.
 *   hospital → records this organization authored or holds a wrapped (or re-wrapped) data key
 *              for; packages it published; AND, if it is a validator of the hospital chain,
 *              every record ciphertext. Choice: validators keep ciphertext replicas so a record
 *              survives its author's node being offline or lost; they cannot read it without a
 *              wrapped key, and crypto-shredding (destroying the wrapped keys) still erases it.
 *              Packages addressed to others are never replicated to validators.
 *   Anything without metadata is refused (deny by default).
 */
import { bytesEqual } from '../codec/canonical';
import type { ChainId } from '../ledger/types';
import type { PeerIdentity, Role } from './types';

export const CHAIN_POLICY: Readonly<Record<Role, readonly ChainId[]>> = Object.freeze({
  hospital: Object.freeze(['patient', 'hospital', 'social'] as const),
  patient: Object.freeze(['patient'] as const),
  entity: Object.freeze(['social'] as const),
});

export const LIGHT_POLICY: Readonly<Record<Role, readonly ChainId[]>> = Object.freeze({
  hospital: Object.freeze([] as const),
  patient: Object.freeze(['patient'] as const),
  entity: Object.freeze([] as const),
});

/** What the ledger knows about a blob, from the transactions that reference its hash. */
export type BlobMeta =
  | {
      kind: 'record';
      /** BLS key of the patient the record is about. */
      patient: Uint8Array;
      /** BLS key of the organization that authored it. */
      author: Uint8Array;
      /** BLS keys of organizations holding a wrapped or re-wrapped data key for it. */
      keyHolders: Uint8Array[];
    }
  | {
      kind: 'package';
      /** BLS key of the organization that published the share package. */
      publisher: Uint8Array;
      /** BLS keys of the entities the package is addressed to. */
      addressedTo: Uint8Array[];
    };

type PeerLike = Pick<PeerIdentity, 'role' | 'blsPk'> & { validatorOf?: readonly ChainId[] };

export function chainsFor(peer: Pick<PeerIdentity, 'role'>): ChainId[] {
  const c = CHAIN_POLICY[peer.role];
  return c ? [...c] : [];
}

/** Whether the role holds `chain` as a light client (never receives its whole blocks). */
export function isLightFor(role: Role, chain: ChainId): boolean {
  return (LIGHT_POLICY[role] ?? []).includes(chain);
}

/** Whole blocks: only of chains the peer holds in full. */
export function mayReceiveChain(peer: Pick<PeerIdentity, 'role'>, chain: ChainId): boolean {
  return chainsFor(peer).includes(chain) && !isLightFor(peer.role, chain);
}

/** Headers with certificates and the peer's own transactions: of every chain the peer holds. */
export function mayReceiveHeaders(peer: Pick<PeerIdentity, 'role'>, chain: ChainId): boolean {
  return chainsFor(peer).includes(chain);
}

/** Transactions are accepted for chains the peer holds (in full or as a light client). */
export const maySubmitTx = mayReceiveHeaders;

/** Consensus messages are accepted only from validators of that chain. */
export function maySendConsensus(peer: PeerLike, chain: ChainId): boolean {
  return mayReceiveChain(peer, chain) && (peer.validatorOf ?? []).includes(chain);
}

const has = (list: readonly Uint8Array[], k: Uint8Array): boolean => list.some((x) => x instanceof Uint8Array && bytesEqual(x, k));

export function mayReceiveBlob(peer: PeerLike, meta: BlobMeta | null | undefined): boolean {
  if (!meta) return false;
  const me = peer.blsPk;
  switch (peer.role) {
    case 'patient':
      return meta.kind === 'record' && bytesEqual(meta.patient, me);
    case 'entity':
      return meta.kind === 'package' && has(meta.addressedTo, me);
    case 'hospital':
      if (meta.kind === 'package') return bytesEqual(meta.publisher, me);
      if (bytesEqual(meta.author, me) || has(meta.keyHolders, me)) return true;
      return (peer.validatorOf ?? []).includes('hospital');
    default:
      return false;
  }
}
