/**
 * `trichain invite --data DIR [--address HOST:PORT]`: prints the invite string for this node
 * (network, genesis hashes, reachable address, TLS fingerprint, binding signature). The address is
 * the `listen` that `trichain start --listen` wrote to DIR/node.json unless --address overrides it
 * (needed when the node listens on a wildcard such as 0.0.0.0).
 */
import { inviteFromNodeValues, inviteInputs, JoinRefused } from '../../node/join';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'print an invite for this node: trichain invite --data DIR [--address HOST:PORT]';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' }, address: { type: 'string' } });
  const dir = requireOpt(values.data, '--data DIR');
  const node = await openNode(dir, io, { verify: false });
  let inputs;
  try {
    inputs = await inviteInputs(node, dir);
  } finally {
    node.close();
  }
  try {
    io.out(inviteFromNodeValues(inputs, values.address));
  } catch (e) {
    if (e instanceof JoinRefused) throw new CliError(e.message, 2);
    throw e;
  }
  return 0;
}
