/**
 * Founding a network: the first hospital node writes the genesis of all three chains with itself
 * as the sole validator and founding member (DESIGN.md §4: a lone clinic is the n = 1 case).
 * Others join later by invite, and validators are added by certified validator-set changes.
 */
import type { Identity } from '../crypto/identity';
import { type Genesis } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';

export function foundingGenesis(id: Identity, network: string, time = Date.now()): Genesis[] {
  const pop = id.proofOfPossession();
  return CHAINS.map((chain) => ({
    chain,
    network,
    time,
    validators: [{ name: id.meta.name, blsPk: id.blsPublicKey, pop }],
    members: [{ name: id.meta.name, role: 'hospital' as const, blsPk: id.blsPublicKey, x25519Pk: id.x25519PublicKey, pop }],
  }));
}
