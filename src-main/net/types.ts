/** Identities of peers as the network layer sees them once TLS has authenticated them. */
import type { ChainId } from '../ledger/types';

export { isRole, type Role } from '../../src-shared/vocabulary';
import type { Role } from '../../src-shared/vocabulary';

/**
 * An authenticated peer: the fingerprint its TLS certificate hashes to, bound (./binding) to the
 * BLS identity the local node knows for it. Every route handler receives one.
 */
export interface PeerIdentity {
  /** SHA-256 of the peer's DER certificate, lowercase hex. */
  fingerprint: string;
  /** The peer's BLS public key (48 bytes): its identity on the chains. */
  blsPk: Uint8Array;
  role: Role;
  name: string;
  /** Chains on which this peer is a validator (consensus messages are accepted only for these). */
  validatorOf: ChainId[];
}
