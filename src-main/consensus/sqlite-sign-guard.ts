/**
 * The engine's SignGuard (sign-guard.ts) persisted in the node's SQLite database, one row per
 * chain, so that a validator restarted after a crash (kill -9 included) cannot sign anything that
 * contradicts what it signed before, and restores its Tendermint lock.
 *
 *   sign_guard_state (migration 4)   the whole SignGuardState as canonical CBOR: the last signed
 *                                    (height, round, step, hash), the lock with its value and
 *                                    polka, the recent votes;
 *   sign_guard (migration 2)         the last signed message as columns (kept in step, for
 *                                    inspection with plain SQL).
 * save() runs one SQLite transaction; the database is opened with synchronous = FULL in WAL mode,
 * so the state is on disk when save() returns, before the signature leaves the process.
 */
import { canonicalDecode, canonicalEncode, type Canonical } from '../codec/canonical';
import type { DB } from '../storage/db';
import type { ChainId } from '../ledger/types';
import type { ProposalValue, Vote } from './messages';
import type { SignGuard, SignGuardState, SignLock, SignRecord, SignStep } from './sign-guard';

const PHASE: Record<SignStep, number> = { proposal: 0, prevote: 1, precommit: 2 };

const rec = (r: SignRecord): Canonical => ({ height: r.height, round: r.round, step: r.step, hash: r.hash });
const vote = (v: Vote): Canonical => ({ height: v.height, round: v.round, phase: v.phase, blockHash: v.blockHash, validator: v.validator, signature: v.signature });
const value = (v: ProposalValue): Canonical => ({ hash: v.hash, bytes: v.bytes });

function encodeState(s: SignGuardState): Uint8Array {
  const lock: Canonical = s.lock
    ? {
        height: s.lock.height,
        round: s.lock.round,
        hash: s.lock.hash,
        value: s.lock.value ? value(s.lock.value) : null,
        polka: s.lock.polka ? s.lock.polka.map(vote) : null,
      }
    : null;
  return canonicalEncode({ v: 1, last: s.last ? rec(s.last) : null, lock, recent: (s.recent ?? []).map(rec) });
}

type Raw = { v: number; last: SignRecord | null; lock: (Omit<SignLock, 'value' | 'polka'> & { value: ProposalValue | null; polka: Vote[] | null }) | null; recent: SignRecord[] };

function decodeState(bytes: Uint8Array): SignGuardState {
  const r = canonicalDecode(bytes) as unknown as Raw;
  if (!r || r.v !== 1) throw new Error('sign guard: unknown state encoding');
  let lock: SignLock | null = null;
  if (r.lock) {
    lock = { height: r.lock.height, round: r.lock.round, hash: r.lock.hash };
    if (r.lock.value) lock.value = r.lock.value;
    if (r.lock.polka) lock.polka = r.lock.polka;
  }
  return { last: r.last, lock, recent: r.recent ?? [] };
}

export class SqliteSignGuard implements SignGuard {
  private cache: SignGuardState | null = null;
  private readonly get;
  private readonly put;
  private readonly putLast;

  constructor(
    private readonly db: DB,
    readonly chain: ChainId,
  ) {
    this.get = db.prepare('SELECT state FROM sign_guard_state WHERE chain = ?').pluck();
    this.put = db.prepare('INSERT INTO sign_guard_state (chain, state, updated) VALUES (?, ?, ?) ON CONFLICT (chain) DO UPDATE SET state = excluded.state, updated = excluded.updated');
    this.putLast = db.prepare(
      'INSERT INTO sign_guard (chain, height, round, phase, block) VALUES (?, ?, ?, ?, ?) ON CONFLICT (chain) DO UPDATE SET height = excluded.height, round = excluded.round, phase = excluded.phase, block = excluded.block',
    );
  }

  load(): SignGuardState {
    if (this.cache) return this.cache;
    const b = this.get.get(this.chain) as Buffer | undefined;
    this.cache = b ? decodeState(new Uint8Array(b)) : { last: null, lock: null, recent: [] };
    return this.cache;
  }

  save(state: SignGuardState): void {
    if (state === this.cache) return; // guardNext returns the same object for a re-sign of the same message
    const bytes = encodeState(state);
    this.db.transaction(() => {
      this.put.run(this.chain, bytes, Date.now());
      if (state.last) this.putLast.run(this.chain, state.last.height, state.last.round, PHASE[state.last.step], state.last.hash);
    })();
    this.cache = state;
  }
}
