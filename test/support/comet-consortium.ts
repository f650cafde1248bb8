/**
 * A consortium whose three chains run on CometBFT (src-main/consensus/cometbft), in one test
 * process: N hospital nodes (TrichainNode, each its own data folder and database) validate all three
 * chains; each runs the composition root (startRuntime with `cometbft`), so CometEngines supervises
 * one `cometbft` process per chain per hospital, with the Trichain application on the node's own
 * database. The genesis of each chain names every hospital's CometBFT key (its `cometbft init`
 * home in DIR/cometbft/<chain>), and DIR/cometbft/cometbft.json gives each chain's ports and its
 * persistent peers (the other hospitals' CometBFT nodes of that chain).
 *
 * Nodes that are not validators (a patient laptop, an outside organization) take part as in
 * test/support/consortium.ts: their queued transactions are handed to a validator (`relay`), and
 * certified blocks come back to them (`pull`: whole blocks, verified in a batch, or light blocks).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalDecode } from '../../src-main/codec/canonical';
import { freePort } from '../../src-main/consensus/cometbft/network';
import { initHome } from '../../src-main/consensus/cometbft/home';
import { isLightFor } from '../../src-main/net/acl';
import { TxRejected } from '../../src-main/ledger/rules/types';
import type { ChainId, Genesis, SignedTx } from '../../src-main/ledger/types';
import { TrichainNode } from '../../src-main/node/node';
import { startRuntime, type NodeRuntime } from '../../src-main/node/runtime';
import { NodeSyncStore } from '../../src-main/node/sync-adapter';
import { CHAINS } from '../../src-shared/vocabulary';
import { tempDir } from './ledger';

const fast = { N: 2 ** 10 };
const PASS = 'comet-consortium-passphrase';

export interface CometConsortium {
  hospitals: TrichainNode[];
  runtimes: NodeRuntime[];
  genesis: Record<ChainId, Genesis>;
  /** A node that is not a validator, holding the chains its role holds (patient: light patient chain). */
  member(role: 'patient' | 'entity', name: string, kind?: string): Promise<TrichainNode>;
  /** Hands `from`'s queued transactions to hospital 0 (a refused one waits for the next call). */
  relay(from: TrichainNode): void;
  /** Copies every certified block `to` is missing from hospital 0 (whole blocks in one batch, or light blocks). */
  pull(to: TrichainNode): void;
  /** Resolves when `ok()` holds, relaying and pulling for `members` meanwhile. */
  until(what: string, ok: () => boolean, members?: TrichainNode[], ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts `n` hospitals validating all three chains on CometBFT (the `cometbft` binary at `binary`). */
export async function makeCometConsortium(binary: string, n: number, log?: (line: string) => void): Promise<CometConsortium> {
  const hospitals: TrichainNode[] = [];
  for (let i = 0; i < n; i++) {
    hospitals.push(await TrichainNode.init(tempDir(`comet-h${i}-`), { role: 'hospital', name: `Hospital ${i}`, passphrase: PASS, scrypt: fast }));
  }
  // Each hospital's CometBFT home per chain (its validator and node keys), and ports for each.
  const homes = hospitals.map((h) => Object.fromEntries(CHAINS.map((c) => [c, initHome(binary, join(h.paths.dir, 'cometbft', c))])) as Record<ChainId, ReturnType<typeof initHome>>);
  const ports: Record<ChainId, { p2p: number; rpc: number }>[] = [];
  for (let i = 0; i < n; i++) {
    const p = {} as Record<ChainId, { p2p: number; rpc: number }>;
    for (const c of CHAINS) p[c] = { p2p: await freePort(), rpc: await freePort() };
    ports.push(p);
  }
  const time = Date.now();
  const genesis = {} as Record<ChainId, Genesis>;
  for (const chain of CHAINS) {
    genesis[chain] = {
      chain,
      network: `comet-consortium-${time}`,
      time,
      validators: hospitals.map((h, i) => ({ name: h.config.name, blsPk: h.identity.blsPublicKey, pop: h.identity.proofOfPossession(), consensusKey: homes[i][chain].consensusKey })),
      members: hospitals.map((h) => ({ name: h.config.name, role: 'hospital' as const, blsPk: h.identity.blsPublicKey, x25519Pk: h.identity.x25519PublicKey, pop: h.identity.proofOfPossession() })),
    };
  }
  for (const [i, h] of hospitals.entries()) {
    for (const c of CHAINS) h.ledger.initGenesis(genesis[c]);
    const settings = Object.fromEntries(
      CHAINS.map((c) => [c, { ...ports[i][c], peers: hospitals.map((_, j) => (j === i ? '' : `${homes[j][c].nodeId}@127.0.0.1:${ports[j][c].p2p}`)).filter(Boolean) }]),
    );
    writeFileSync(join(h.paths.dir, 'cometbft', 'cometbft.json'), JSON.stringify(settings, null, 2));
  }
  const runtimes: NodeRuntime[] = [];
  for (const [i, h] of hospitals.entries()) {
    runtimes.push(await startRuntime(h, { peers: { listen: { host: '127.0.0.1', port: 0 }, remember: false }, consensus: false, cometbft: { binary }, log: log ? (l) => log(`[h${i}] ${l}`) : undefined }));
  }
  const members: TrichainNode[] = [];
  const source = new NodeSyncStore(hospitals[0]);

  const relay = (from: TrichainNode): void => {
    const rows = from.db.prepare("SELECT id, bytes FROM outbox WHERE status IN ('pending', 'submitted') ORDER BY created").all() as { id: Buffer; bytes: Buffer }[];
    const blocked = new Set<ChainId>();
    for (const r of rows) {
      const tx = canonicalDecode(new Uint8Array(r.bytes)) as unknown as SignedTx;
      if (blocked.has(tx.chain)) continue;
      try {
        hospitals[0].submitSigned(tx, { own: false });
        from.db.prepare("UPDATE outbox SET status = 'submitted' WHERE id = ? AND status = 'pending'").run(r.id);
      } catch (e) {
        if (!(e instanceof TxRejected)) throw e;
        if (!/already/.test(e.reason)) blocked.add(tx.chain); // waits for an earlier one to commit
      }
    }
  };

  const pull = (to: TrichainNode): void => {
    const own = new NodeSyncStore(to);
    for (const chain of to.chains()) {
      const top = hospitals[0].ledger.certifiedHeight(chain);
      if (to.ledger.isLight(chain)) {
        for (let h = to.ledger.height(chain) + 1; h <= top; h++) own.appendLight(chain, source.lightBlockBytes(chain, h, to.identity.blsPublicKey)!);
        continue;
      }
      const list: Uint8Array[] = [];
      for (let h = to.ledger.height(chain) + 1; h <= top; h++) list.push(source.blockBytes(chain, h)!);
      if (list.length) own.appendBlocks(chain, list);
    }
  };

  return {
    hospitals,
    runtimes,
    genesis,
    async member(role, name, kind) {
      const node = await TrichainNode.init(tempDir(`comet-${role}-`), { role, name, kind, passphrase: PASS, scrypt: fast });
      const holds: ChainId[] = role === 'patient' ? ['patient'] : ['social'];
      for (const c of CHAINS) {
        if (holds.includes(c)) node.ledger.initGenesis(genesis[c], { light: isLightFor(role, c) });
        else node.ledger.trustGenesis(genesis[c], hospitals[0].ledger.genesisHash(c));
      }
      members.push(node);
      return node;
    },
    relay,
    pull,
    async until(what, ok, who = members, ms = 90_000) {
      const end = Date.now() + ms;
      for (;;) {
        for (const m of who) {
          relay(m);
          pull(m);
        }
        if (ok()) return;
        if (Date.now() > end) throw new Error(`timed out: ${what} (heights ${CHAINS.map((c) => `${c} ${hospitals[0].ledger.height(c)}/${hospitals[0].ledger.certifiedHeight(c)}`).join(', ')})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      for (const r of runtimes) await r.stop();
      for (const node of [...hospitals, ...members]) {
        node.close();
        rmSync(node.paths.dir, { recursive: true, force: true });
      }
    },
  };
}
