/**
 * A joining node's first steps (after `trichain join`): fetch the genesis documents of every chain
 * from its pinned peers (the inviting peer first), check each against the hash the invite carried
 * (DIR/join.json), install those its role replicates (hospital: all three; patient: patient, as a
 * light client; entity: social) and keep the others as trusted anchors for verifying cross-chain
 * proofs; then record the network's name in node.json.
 */
import { fromHex } from '../codec/hex';
import { type ChainId } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';
import { CHAIN_POLICY, isLightFor } from '../net/acl';
import type { PeerRecord } from '../net/peers';
import { fetchGenesis, type SyncSession } from '../net/sync';
import { readConfig, writeConfig } from './config';
import { contactEvents, type ContactEvent, type PeerAnswer } from './contact';
import { readJoinState } from './join';
import type { TrichainNode } from './node';
import type { DialPeer } from './relay';

export interface BootstrapContext {
  node: TrichainNode;
  /** The dialable pinned peers. */
  peers: DialPeer[];
  /** The pinned peers (to name them in contact events). */
  records: readonly PeerRecord[];
  session: SyncSession;
  onGenesis(e: { chain: ChainId; peer: string }): void;
  onContact(e: ContactEvent): void;
  log(line: string): void;
}

/** Installs the genesis each chain of a joined network still lacks; nothing when the node did not join. */
export async function bootstrapJoined(ctx: BootstrapContext): Promise<void> {
  const { node } = ctx;
  const join = readJoinState(node.paths.dir);
  if (!join) return;
  const role = node.config.role;
  const missing = CHAINS.filter((c) => !node.ledger.knownGenesis(c));
  if (missing.length > 0) {
    const peers = [...ctx.peers].sort((a, b) => (a.fingerprint === join.via ? -1 : b.fingerprint === join.via ? 1 : 0));
    const answers: PeerAnswer[] = [];
    for (const chain of missing) {
      for (const p of peers) {
        try {
          const g = await fetchGenesis(p.client, chain, fromHex(join.genesis[chain], 32), ctx.session);
          const expected = fromHex(join.genesis[chain], 32);
          if (!CHAIN_POLICY[role].includes(chain)) node.ledger.trustGenesis(g, expected);
          else if (!node.ledger.hasGenesis(chain)) node.ledger.initGenesis(g, { light: isLightFor(role, chain) });
          ctx.onGenesis({ chain, peer: p.name });
          answers.push({ fingerprint: p.fingerprint, ok: true });
          break;
        } catch (e) {
          ctx.log(`genesis of the ${chain} chain from ${p.name}: ${(e as Error).message}`);
          answers.push({ fingerprint: p.fingerprint, ok: false, reason: (e as Error).message });
        }
      }
    }
    for (const e of contactEvents(answers, ctx.records)) ctx.onContact(e);
  }
  if (!node.config.network && node.chains().length > 0) {
    node.config.network = join.network;
    try {
      writeConfig(node.paths.config, { ...readConfig(node.paths.config), network: join.network });
    } catch (e) {
      ctx.log(`could not record the network name: ${(e as Error).message}`);
    }
  }
}
