/**
 * `trichain admit PEERLINE --data DIR [--address HOST:PORT] [--kind KIND]`: run on a hospital
 * node of the network to admit a node that ran `trichain join`. PEERLINE is the
 * `trichain-peer:` line the joiner printed (its signed binding, with its X25519 key and proof of
 * possession). This node
 *   1. pins the joiner in DIR/peers.json (node/join.ts acceptJoinRequest), so its connections
 *      are accepted (a running daemon re-reads the file), and
 *   2. registers it as a member (member.register, sponsored by this hospital) on the chains its
 *      role replicates: hospital on all three chains, patient on the patient chain, entity on the
 *      social chain. Where it is already registered, nothing is submitted.
 * Where this node is the chain's sole validator the registration commits at once; otherwise it
 * is queued and relayed by the running node.
 */
import { toHex } from '../../codec/hex';
import { defaultBls } from '../../crypto/bls';
import { parseAddress } from '../../net/client';
import { admitPeer, AdmitError, checkJoinLine } from '../../node/admit';
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
  try {
    checkJoinLine(defaultBls(), line); // refuse a bad line before asking for the passphrase
    if (values.address) parseAddress(values.address);
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  const node = await openNode(dir, io);
  try {
    let a;
    try {
      a = admitPeer(node, line, { address: values.address, kind: values.kind });
    } catch (e) {
      if (e instanceof AdmitError) throw new CliError(e.message, 2);
      throw e;
    }
    const st = a.binding.statement;
    if (values.json) io.out(JSON.stringify({ peer: { name: st.name, role: st.role, blsPk: toHex(st.blsPk), fingerprint: st.fingerprint }, registered: a.registered }));
    else {
      io.out(`pinned ${st.name} (${st.role}), certificate ${st.fingerprint}`);
      for (const r of a.registered) io.out(`  ${r.chain.padEnd(9)} member: ${r.status}${r.height !== undefined ? ` (block ${r.height})` : ''}`);
      io.out('the node syncs its chains when it starts (trichain start)');
    }
    return 0;
  } finally {
    node.close();
  }
}
