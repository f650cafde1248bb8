/**
 * `trichain admit PEERLINE --data DIR [--address HOST:PORT] [--kind KIND]`: run on a hospital
 * node of the network to admit a node that ran `trichain join`. PEERLINE is the
 * `trichain-peer:` line the joiner printed (its signed binding, with its X25519 key and proof of
 * possession). This node
 *   1. pins the joiner in DIR/peers.json (net/cli-join acceptJoinRequest), so its connections
 *      are accepted (a running daemon re-reads the file), and
 *   2. registers it as a member (member.register, sponsored by this hospital) on the chains its
 *      role replicates: hospital on all three chains, patient on the patient chain, entity on the
 *      social chain. Where it is already registered, nothing is submitted.
 * Where this node is the chain's sole validator the registration commits at once; otherwise it
 * is queued and relayed by the running node.
 */
import { toHex } from '../../codec/hex';
import { defaultBls } from '../../crypto/bls';
import { getMember } from '../../ledger/rules/members';
import type { ChainId } from '../../ledger/types';
import { CHAIN_POLICY } from '../../net/acl';
import { decodeBindingString, verifyBinding } from '../../net/binding';
import { acceptJoinRequest } from '../../net/cli-join';
import { parseAddress } from '../../net/client';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'admit a joining node: trichain admit PEERLINE --data DIR (pins it, registers it as a member)';

const USAGE = 'usage: trichain admit PEERLINE --data DIR [--address HOST:PORT] [--kind KIND] [--json]';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, address: { type: 'string' }, kind: { type: 'string' }, json: { type: 'boolean', default: false } }, true);
  const dir = requireOpt(values.data, '--data DIR');
  if (positionals.length !== 1) throw new CliError(USAGE, 2);
  const line = positionals[0];
  const bls = defaultBls();
  let b;
  try {
    b = decodeBindingString(line);
  } catch (e) {
    throw new CliError(`join request: ${(e as Error).message}`, 2);
  }
  if (!verifyBinding(bls, b)) throw new CliError('join request: the binding signature or proof of possession does not verify', 2);
  const st = b.statement;
  if (!st.x25519Pk || !b.pop) throw new CliError('join request: the line carries no X25519 key or proof of possession (made by an older trichain join?)', 2);
  if (values.address) {
    try {
      parseAddress(values.address);
    } catch (e) {
      throw new CliError((e as Error).message, 2);
    }
  }
  const node = await openNode(dir, io);
  try {
    node.db.pragma('busy_timeout = 5000'); // the running daemon may hold the write lock briefly
    if (node.config.role !== 'hospital') throw new CliError('only a hospital node admits new nodes', 2);
    acceptJoinRequest({ dataDir: node.paths.dir, binding: line, bls, address: values.address });
    const registered: { chain: ChainId; status: string; height?: number }[] = [];
    for (const chain of CHAIN_POLICY[st.role]) {
      if (!node.ledger.hasGenesis(chain)) throw new CliError(`this node does not hold the ${chain} chain`, 1);
      if (getMember(node.ledger.state(chain), st.blsPk)) {
        registered.push({ chain, status: 'already-member' });
        continue;
      }
      const body = {
        role: st.role,
        name: st.name,
        blsPk: st.blsPk,
        x25519Pk: st.x25519Pk,
        pop: b.pop,
        ...(st.role === 'entity' && values.kind ? { kind: values.kind } : {}),
      };
      const r = node.submit(chain, 'member.register', body);
      registered.push({ chain, status: r.status, ...(r.height !== undefined ? { height: r.height } : {}) });
    }
    if (values.json) io.out(JSON.stringify({ peer: { name: st.name, role: st.role, blsPk: toHex(st.blsPk), fingerprint: st.fingerprint }, registered }));
    else {
      io.out(`pinned ${st.name} (${st.role}), certificate ${st.fingerprint}`);
      for (const r of registered) io.out(`  ${r.chain.padEnd(9)} member: ${r.status}${r.height !== undefined ? ` (block ${r.height})` : ''}`);
      io.out('the node syncs its chains when it starts (trichain start)');
    }
    return 0;
  } finally {
    node.close();
  }
}
