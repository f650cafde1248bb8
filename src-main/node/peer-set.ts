/**
 * The daemon's peers: who may connect to its peer server and whom it dials.
 *
 * A connection is accepted only from a fingerprint whose signed binding statement (net/binding)
 * names a BLS key this node knows: a peer pinned in DIR/peers.json (from an invite, or admitted
 * with `trichain admit`), or a member registered on one of its chains. The file is re-read when it
 * changes (`reload`), so an admitted peer is accepted without a restart; each dialable pinned peer
 * that is not marked bad has one PeerClient.
 */
import { statSync } from 'node:fs';
import { toHex } from '../codec/hex';
import { getMember } from '../ledger/rules/members';
import type { ChainId } from '../ledger/types';
import { decodeBindingString, PeerDirectory, type KnownKey } from '../net/binding';
import { PeerClient } from '../net/client';
import { PeerList, type PeerRecord } from '../net/peers';
import type { TlsIdentity } from '../net/tls';
import { isRole, type PeerIdentity } from '../net/types';
import type { TrichainNode } from './node';
import type { DialPeer } from './relay';
import { dialableAddress } from './peer-ads';

export interface PeerSetOptions {
  /** peers.json could not be read (the previous set stays in force). */
  onError(message: string): void;
  log(line: string): void;
}

export class PeerSet {
  /** The pinned peers as last read from peers.json. */
  records: PeerRecord[] = [];
  private directory: PeerDirectory | null = null;
  private mtime = -1;
  private readonly clients = new Map<string, { address: string; client: PeerClient }>();

  constructor(
    private readonly node: TrichainNode,
    private readonly tls: TlsIdentity,
    private readonly o: PeerSetOptions,
  ) {}

  /** The chains whose next block this key helps validate. */
  validatorOf(pk: Uint8Array): ChainId[] {
    const hex = toHex(pk);
    const { node } = this;
    return node.chains().filter((c) => node.ledger.validatorsAt(c, node.ledger.height(c) + 1).some((v) => toHex(v.blsPk) === hex));
  }

  /** A BLS key this node knows: a pinned peer, or a member of one of its chains with a node role. */
  private knownKey = (pk: Uint8Array): KnownKey | null => {
    const hex = toHex(pk);
    const rec = this.records.find((r) => r.blsPk === hex && !r.bad);
    if (rec) return { role: rec.role, name: rec.name, validatorOf: [] };
    for (const c of this.node.chains()) {
      const m = getMember(this.node.ledger.state(c), pk);
      if (m && isRole(m.role)) return { role: m.role, name: m.name, validatorOf: [] };
    }
    return null;
  };

  /** Re-reads DIR/peers.json when it changed (always with `force`): the accepted peers and the clients. */
  reload(force = false): void {
    const dirPath = this.node.paths.dir;
    let mtime = 0;
    try {
      mtime = statSync(PeerList.pathIn(dirPath)).mtimeMs;
    } catch {
      mtime = 0;
    }
    if (!force && mtime === this.mtime) return;
    this.mtime = mtime;
    let list: PeerRecord[];
    try {
      list = PeerList.load(dirPath).list();
    } catch (e) {
      this.o.onError((e as Error).message);
      return;
    }
    this.records = list;
    const dir = new PeerDirectory(this.node.bls, this.knownKey);
    for (const r of list) {
      if (!r.binding) continue;
      try {
        const id = dir.add(decodeBindingString(r.binding));
        if (id.fingerprint !== r.fingerprint) dir.remove(id.fingerprint);
      } catch (e) {
        this.o.log(`pinned peer ${r.name} not accepted: ${(e as Error).message}`);
      }
    }
    this.directory = dir;
    const keep = new Set<string>();
    for (const r of list) {
      if (r.bad || !dialableAddress(r.address) || r.fingerprint === this.tls.fingerprint) continue;
      keep.add(r.fingerprint);
      const cur = this.clients.get(r.fingerprint);
      if (cur && cur.address === r.address) continue;
      cur?.client.close();
      this.clients.set(r.fingerprint, { address: r.address, client: new PeerClient({ address: r.address, tls: this.tls, expectedFingerprint: r.fingerprint, timeoutMs: 10_000 }) });
    }
    for (const [fp, c] of this.clients) {
      if (!keep.has(fp)) {
        c.client.close();
        this.clients.delete(fp);
      }
    }
  }

  /** The peer server's check of a connecting fingerprint. */
  authorize = (fp: string): PeerIdentity | null => {
    const id = this.directory?.authorize(fp);
    if (!id) return null;
    return { ...id, validatorOf: this.validatorOf(id.blsPk) };
  };

  /** Currently authorized peers. */
  list(): PeerIdentity[] {
    return (this.directory?.list() ?? []).map((p) => ({ ...p, validatorOf: this.validatorOf(p.blsPk) }));
  }

  /** The pinned peers this node can dial, in peers.json order. */
  dialable(): DialPeer[] {
    const out: DialPeer[] = [];
    for (const r of this.records) {
      const c = this.clients.get(r.fingerprint);
      if (c) out.push({ client: c.client, blsPkHex: r.blsPk, name: r.name, fingerprint: r.fingerprint });
    }
    return out;
  }

  close(): void {
    for (const c of this.clients.values()) c.client.close();
    this.clients.clear();
  }
}
