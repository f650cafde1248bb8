/**
 * Founding a network: the first hospital node writes the genesis of all three chains with itself
 * as the sole validator and founding member (DESIGN.md §4: a lone clinic is the n = 1 case).
 * Others join later by invite, and validators are added by certified validator-set changes.
 * `consensusKey` (trichain init --engine cometbft): the founder's CometBFT key, so that each chain
 * moves to CometBFT when a change makes its set grow (consensus/cometbft/validators.ts cometStartHeight).
 */
import type { Identity } from '../crypto/identity';
import { type Genesis } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';

export function foundingGenesis(id: Identity, network: string, time = Date.now(), consensusKey?: Uint8Array): Genesis[] {
  const pop = id.proofOfPossession();
  return CHAINS.map((chain) => ({
    chain,
    network,
    time,
    validators: [{ name: id.meta.name, blsPk: id.blsPublicKey, pop, ...(consensusKey ? { consensusKey } : {}) }],
    members: [{ name: id.meta.name, role: 'hospital' as const, blsPk: id.blsPublicKey, x25519Pk: id.x25519PublicKey, pop }],
  }));
}
