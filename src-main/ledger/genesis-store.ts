/**
 * The genesis documents a node knows, as the ledger stores them: those of the chains it replicates
 * (table `genesis`, with their hash), those of chains it only trusts to verify cross-chain proofs
 * (meta `trusted-genesis/CHAIN`), and which chains it holds as a light client (meta `light/CHAIN`,
 * ./light). Checks (proofs of possession, the trusted hash) are the ledger's; this only stores.
 */
import { canonicalDecode, canonicalEncode, type Canonical } from '../codec/canonical';
import type { DB } from '../storage/db';
import type { ChainId, Genesis } from './types';

const decodeGenesis = (bytes: Uint8Array): Genesis => canonicalDecode(bytes) as unknown as Genesis;
const encodeGenesis = (g: Genesis): Uint8Array => canonicalEncode(g as unknown as Canonical);

export class GenesisStore {
  private readonly q;

  constructor(private readonly db: DB) {
    this.q = {
      get: db.prepare('SELECT hash, doc FROM genesis WHERE chain = ?'),
      put: db.prepare('INSERT INTO genesis (chain, hash, doc) VALUES (?, ?, ?)'),
      meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      putMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  private row(chain: ChainId): { hash: Buffer; doc: Buffer } {
    const row = this.q.get.get(chain) as { hash: Buffer; doc: Buffer } | undefined;
    if (!row) throw new Error(`no genesis for the ${chain} chain`);
    return row;
  }

  has(chain: ChainId): boolean {
    return this.q.get.get(chain) !== undefined;
  }

  /** The genesis of a replicated chain (throws when there is none). */
  doc(chain: ChainId): Genesis {
    return decodeGenesis(new Uint8Array(this.row(chain).doc));
  }

  /** Its hash (throws when there is none). */
  hash(chain: ChainId): Uint8Array {
    return new Uint8Array(this.row(chain).hash);
  }

  /** Stores a replicated chain's genesis (inside the caller's transaction); `light`: held as a light client. */
  put(g: Genesis, hash: Uint8Array, light: boolean): void {
    this.q.put.run(g.chain, hash, encodeGenesis(g));
    if (light) this.q.putMeta.run(`light/${g.chain}`, Buffer.from('1'));
  }

  /** Records the genesis of a chain this node does not replicate (checked by the caller). */
  trust(g: Genesis): void {
    this.q.setMeta.run(`trusted-genesis/${g.chain}`, encodeGenesis(g));
  }

  /** A trusted genesis of a chain this node does not replicate, or null. */
  trusted(chain: ChainId): Genesis | null {
    const v = this.q.meta.get(`trusted-genesis/${chain}`) as Buffer | undefined;
    return v ? decodeGenesis(new Uint8Array(v)) : null;
  }

  isLight(chain: ChainId): boolean {
    return this.q.meta.get(`light/${chain}`) !== undefined;
  }
}
