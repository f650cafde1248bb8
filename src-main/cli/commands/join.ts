/**
 * `trichain join INVITE --data DIR`: accepts an invite (node/join.ts checks it and pins the peer)
 * and prints this node's own `trichain-peer:` line, which the inviting node's operator gives to
 * `trichain admit` so that this node's connections are accepted.
 */
import { acceptInvite, joinRequest, JoinRefused, localGenesisHex, nodeTls } from '../../node/join';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'join a network through an invite: trichain join INVITE --data DIR';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' } }, true);
  const dir = requireOpt(values.data, '--data DIR');
  if (positionals.length !== 1) throw new CliError('usage: trichain join INVITE --data DIR', 2);
  const node = await openNode(dir, io, { verify: false });
  try {
    const { invite } = acceptInvite({ dataDir: dir, invite: positionals[0], bls: node.bls, localGenesisHex: localGenesisHex(node) });
    const line = joinRequest(node, (await nodeTls(node, dir)).fingerprint);
    io.out(`pinned ${invite.name} (${invite.role}) at ${invite.address}, certificate ${invite.fingerprint}`);
    io.out(`network "${invite.network}"; the chains will sync from this peer when the node starts`);
    io.out(`give this line to the operator of ${invite.name} so it accepts this node:`);
    io.out(line);
    return 0;
  } catch (e) {
    if (e instanceof JoinRefused) throw new CliError(e.message, 2);
    throw e;
  } finally {
    node.close();
  }
}
