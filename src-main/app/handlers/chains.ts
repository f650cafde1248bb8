/**
 * The chains area (src-shared/api/chains.ts): each chain's status as this node sees it, the block
 * explorer, and the measured size of one BLS aggregate against one signature per party.
 */
import { ApiError } from '../../../src-shared/api';
import { toHex } from '../../codec/hex';
import { quorum } from '../../ledger/certificate';
import { CHAINS } from '../../../src-shared/vocabulary';
import type { AppSession } from '../session';
import { blockDetail, blockSummary, headTime, iso } from '../views';
import type { Handlers } from './types';
import type { OwnNode } from '../own-node';
import { PeerList } from '../../net/peers';
import { dialableAddress } from '../../node/peer-ads';
import { SignatureReports } from '../signature-storage';

/** The own node's peers it dials, as the chain cards list them: connected when they answered the last round. */
function ownPeerViews(own: OwnNode) {
  return PeerList.load(own.node.paths.dir).good().filter((p) => dialableAddress(p.address)).map((p) => {
    const c = own.contact.get(p.fingerprint);
    return { id: p.blsPk.slice(0, 16), address: p.address, fingerprint: p.fingerprint, connected: c?.ok ?? false, lastSeen: c?.lastOk ? iso(c.lastOk) : undefined };
  });
}

export function chainsHandlers(s: AppSession): Handlers<'chains.status' | 'chains.blocks' | 'chains.block' | 'storage.signatures'> {
  const nodes = () => [...s.roles.values()].map((r) => r.node);
  let reports: SignatureReports | undefined;
  return {
    async 'chains.status'() {
      const node = s.current().node;
      // This machine's own node: its peers and whether they answered, from the running daemon.
      const own = s.ownNode(node);
      const ownPeers = own ? ownPeerViews(own) : null;
      return {
        chains: CHAINS.map((chain) => {
          const replicated = node.ledger.hasGenesis(chain);
          if (!replicated) return { chain, replicated, height: 0, headHash: '', quorum: 0, validators: [], peers: [], sync: { state: 'offline' as const, localHeight: 0, remoteHeight: 0, fraction: 0 }, pendingTxs: 0 };
          const head = node.ledger.head(chain);
          const vs = node.ledger.validatorsAt(chain, head.height + 1);
          const ref = nodes().find((n) => n.ledger.hasGenesis(chain) && n.isSoloValidator(chain));
          const remote = ref ? ref.ledger.height(chain) : head.height;
          return {
            chain, replicated, height: head.height, headHash: toHex(head.hash), headTime: head.height ? headTime(node, chain, head.height) : undefined,
            quorum: quorum(vs.length), validators: vs.map((v) => ({ id: toHex(v.blsPk).slice(0, 16), name: v.name, publicKey: toHex(v.blsPk), online: true })),
            peers: ownPeers ?? nodes().filter((n) => n !== node && n.ledger.hasGenesis(chain)).map((n) => ({ id: n.publicKeyHex.slice(0, 16), address: n.config.listen ?? 'loopback', fingerprint: n.publicKeyHex.slice(0, 32), connected: true })),
            sync: { state: own?.online() === false ? ('offline' as const) : remote > head.height ? ('syncing' as const) : ('synced' as const), localHeight: head.height, remoteHeight: Math.max(remote, head.height), fraction: remote > 0 ? Math.min(1, head.height / remote) : 1 },
            pendingTxs: node.outbox('pending').filter((o) => o.chain === chain).length + node.outbox('submitted').filter((o) => o.chain === chain).length,
          };
        }),
      };
    },
    async 'chains.blocks'(i) {
      const node = s.current().node;
      if (!node.ledger.hasGenesis(i.chain)) throw new ApiError('FORBIDDEN', `this node does not replicate the ${i.chain} chain`);
      const top = Math.min(i.before !== undefined ? i.before - 1 : node.ledger.height(i.chain), node.ledger.height(i.chain));
      const blocks = [];
      for (let h = top; h >= 1 && blocks.length < i.limit; h--) blocks.push(blockSummary(node, i.chain, h));
      const last = blocks[blocks.length - 1]?.height;
      return { chain: i.chain, blocks, nextBefore: last && last > 1 ? last : undefined };
    },
    async 'chains.block'(i) {
      const node = s.current().node;
      if (!node.ledger.hasGenesis(i.chain)) throw new ApiError('FORBIDDEN', `this node does not replicate the ${i.chain} chain`);
      try {
        return { block: blockDetail(node, i.chain, i.height) };
      } catch (e) {
        throw new ApiError('NOT_FOUND', (e as Error).message);
      }
    },
    async 'storage.signatures'(i) {
      // Real signatures, measured: k parties each sign a distinct statement (in a worker thread, ../signature-storage).
      const node = s.current().node;
      reports ??= new SignatureReports(node.bls);
      const series = await reports.measure(i.parties ?? [1, 2, 3, 4, 8, 16, 32, 64]);
      return { series, source: `measured with real ${node.bls.backend} BLS and secp256k1 ECDSA signatures` };
    },
  };
}
