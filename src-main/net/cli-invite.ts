/**
 * `trichain invite --data DIR [--address HOST:PORT]`: prints the invite string for this node
 * (network, genesis hashes, reachable address, TLS fingerprint, binding signature). The address is
 * the `listen` that `trichain start --listen` wrote to DIR/node.json unless --address overrides it
 * (needed when the node listens on a wildcard such as 0.0.0.0).
 */
import { parse, requireOpt } from '../cli/args';
import { CliError, type CliIO } from '../cli/io';
import { openNode } from '../cli/unlock';
import { fromHex } from '../codec/hex';
import { CHAINS, type ChainId } from '../ledger/types';
import { makeInvite } from './invite';
import { loadOrCreateTlsIdentity } from './tls';
import { isRole, type Role } from './types';

export const summary = 'print an invite for this node: trichain invite --data DIR [--address HOST:PORT]';

/** Everything an invite is made of; loadInviteInputs() reads it from a node's data folder. */
export interface InviteInputs {
  network: string | null;
  /** Listen address from node.json (host:port). */
  listen: string | null;
  /** Genesis hash of each chain as hex, null where the node has none. */
  genesisHex: Record<ChainId, string | null>;
  tlsFingerprint: string;
  identity: { blsPublicKey: Uint8Array; role: string; name: string; sign(msg: Uint8Array): Uint8Array };
}

/** Pure: the invite string for a node, from its values. Throws a CliError on missing pieces. */
export function inviteFromNodeValues(v: InviteInputs, addressOverride?: string, time = Date.now()): string {
  const address = addressOverride ?? v.listen;
  if (!address) throw new CliError('the node has no listen address: run `trichain start --data DIR --listen HOST:PORT` (or pass --address HOST:PORT)', 2);
  if (/^(0\.0\.0\.0|\[?::\]?):/.test(address)) throw new CliError(`the node listens on ${address}: pass --address HOST:PORT with an address peers can reach`, 2);
  if (!v.network) throw new CliError('this node belongs to no network yet (found one with `trichain init --found`, or join one)', 2);
  const genesis = {} as Record<ChainId, Uint8Array>;
  for (const c of CHAINS) {
    const h = v.genesisHex[c];
    if (!h) throw new CliError(`this node has no ${c} chain genesis; only a node holding all three can invite`, 2);
    genesis[c] = fromHex(h, 32);
  }
  const role = v.identity.role;
  if (!isRole(role)) throw new CliError(`unknown role ${role}`, 2);
  return makeInvite({
    network: v.network,
    genesis,
    address,
    fingerprint: v.tlsFingerprint,
    identity: { blsPublicKey: v.identity.blsPublicKey, role: role as Role, name: v.identity.name, sign: (m) => v.identity.sign(m) },
    time,
  });
}

/** Reads the inputs from DIR: node.json, DIR/tls (created if absent), the store's genesis hashes, the keystore. */
export async function loadInviteInputs(dir: string, io: CliIO): Promise<InviteInputs> {
  const node = await openNode(dir, io, { verify: false });
  try {
    const s = node.status();
    const tls = await loadOrCreateTlsIdentity(dir, node.config.name.slice(0, 64));
    const genesisHex = {} as Record<ChainId, string | null>;
    for (const c of CHAINS) genesisHex[c] = s.chains[c]?.genesis ?? null;
    return {
      network: node.config.network ?? null,
      listen: node.config.listen ?? null,
      genesisHex,
      tlsFingerprint: tls.fingerprint,
      identity: { blsPublicKey: node.identity.blsPublicKey, role: node.config.role, name: node.config.name, sign: (m) => node.identity.sign(m) },
    };
  } finally {
    node.close();
  }
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' }, address: { type: 'string' } });
  const dir = requireOpt(values.data, '--data DIR');
  const inputs = await loadInviteInputs(dir, io);
  io.out(inviteFromNodeValues(inputs, values.address));
  return 0;
}
