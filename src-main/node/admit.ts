/**
 * Admitting a joining node (the inviting side of invite → join → admit): check its signed
 * `trichain-peer:` line, pin it in peers.json, and register it as a member (sponsored by this
 * hospital, with its proof of possession) on the chains its role replicates. Where it is already
 * a member nothing is submitted. Used by `trichain admit` and by the demo consortium.
 */
import type { BlsApi } from '../crypto/bls-types';
import { getMember } from '../ledger/rules/members';
import type { ChainId } from '../ledger/types';
import { CHAIN_POLICY } from '../net/acl';
import { decodeBindingString, verifyBinding, type SignedBinding } from '../net/binding';
import { acceptJoinRequest } from './join';
import { parseAddress } from '../net/client';
import type { TrichainNode } from './node';

export class AdmitError extends Error {}

export interface Admitted {
  binding: SignedBinding;
  registered: { chain: ChainId; status: 'already-member' | 'committed' | 'pending'; height?: number }[];
}

/** Decodes and checks a join request line without touching any node. */
export function checkJoinLine(bls: BlsApi, line: string): SignedBinding {
  let b: SignedBinding;
  try {
    b = decodeBindingString(line);
  } catch (e) {
    throw new AdmitError(`join request: ${(e as Error).message}`);
  }
  if (!verifyBinding(bls, b)) throw new AdmitError('join request: the binding signature or proof of possession does not verify');
  if (!b.statement.x25519Pk || !b.pop) throw new AdmitError('join request: the line carries no X25519 key or proof of possession (made by an older trichain join?)');
  return b;
}

export function admitPeer(node: TrichainNode, line: string, opts: { address?: string; kind?: string } = {}): Admitted {
  if (node.config.role !== 'hospital') throw new AdmitError('only a hospital node admits new nodes');
  const b = checkJoinLine(node.bls, line);
  if (opts.address) parseAddress(opts.address);
  const st = b.statement;
  acceptJoinRequest({ dataDir: node.paths.dir, binding: line, bls: node.bls, address: opts.address, expectedRole: st.role });
  const registered: Admitted['registered'] = [];
  for (const chain of CHAIN_POLICY[st.role]) {
    if (!node.ledger.hasGenesis(chain)) throw new AdmitError(`this node does not hold the ${chain} chain`);
    if (getMember(node.ledger.state(chain), st.blsPk)) {
      registered.push({ chain, status: 'already-member' });
      continue;
    }
    const r = node.submit(chain, 'member.register', {
      role: st.role, name: st.name, blsPk: st.blsPk, x25519Pk: st.x25519Pk!, pop: b.pop!,
      ...(st.role === 'entity' && opts.kind ? { kind: opts.kind } : {}),
    });
    registered.push({ chain, status: r.status, ...(r.height !== undefined ? { height: r.height } : {}) });
  }
  return { binding: b, registered };
}
