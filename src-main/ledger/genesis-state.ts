/** The state a chain's genesis installs (its founding members and first validator set), and its root. */
import { putValidators } from './rules/common';
import { memberKey } from './rules/members';
import type { StateView } from './rules/types';
import { MemState } from './state';
import { rootOfEntries } from './state-tree';
import type { Genesis } from './types';

export function applyGenesis(st: StateView, g: Genesis): void {
  for (const m of g.members) {
    st.put(memberKey(m.blsPk), { role: m.role, name: m.name, blsPk: m.blsPk, x25519Pk: m.x25519Pk, since: 0 });
  }
  putValidators(st, 1, g.validators);
}

/** The state root right after a genesis (what a chain at height 0 must hold). */
export function genesisStateRoot(g: Genesis): Uint8Array {
  const st = new MemState();
  applyGenesis(st, g);
  return rootOfEntries(st.entries()).root;
}
