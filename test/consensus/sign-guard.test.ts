/**
 * SqliteSignGuard: what the engine's SignGuard must persist survives closing and reopening the
 * database (a kill -9 loses nothing that save() returned from), and the reopened guard refuses to
 * sign anything that could equivocate.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardNext } from '../../src-main/consensus/sign-guard';
import { SqliteSignGuard } from '../../src-main/consensus/sqlite-sign-guard';
import { openDatabase } from '../../src-main/storage/db';

describe('SqliteSignGuard', () => {
  it('persists last, lock (value and polka) and recent votes per chain; refuses to equivocate after reopening', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'trichain-guard-')), 'node.db');
    const h = (b: number) => new Uint8Array(32).fill(b);
    let db = openDatabase(file);
    let g = new SqliteSignGuard(db, 'hospital');
    expect(g.load()).toEqual({ last: null, lock: null, recent: [] });
    let s = guardNext(g.load(), { height: 5, round: 1, step: 'prevote', hash: h(1) })!;
    g.save(s);
    const polka = [{ height: 5, round: 1, phase: 'prevote' as const, blockHash: h(1), validator: 2, signature: new Uint8Array(96).fill(9) }];
    s = guardNext(g.load(), { height: 5, round: 1, step: 'precommit', hash: h(1) }, { value: { hash: h(1), bytes: new Uint8Array([1, 2, 3]) }, polka })!;
    g.save(s);
    new SqliteSignGuard(db, 'patient').save(guardNext({ last: null, lock: null }, { height: 2, round: 0, step: 'prevote', hash: null })!);
    db.close();

    db = openDatabase(file);
    g = new SqliteSignGuard(db, 'hospital');
    const st = g.load();
    expect(st.last).toEqual({ height: 5, round: 1, step: 'precommit', hash: h(1) });
    expect(st.lock?.round).toBe(1);
    expect(st.lock?.value?.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(st.lock?.polka).toEqual(polka);
    expect(st.recent?.map((r) => r.step)).toEqual(['prevote', 'precommit']);
    // A different block at the same (height, round, step), or anything earlier: refused.
    expect(guardNext(st, { height: 5, round: 1, step: 'precommit', hash: h(2) })).toBeNull();
    expect(guardNext(st, { height: 5, round: 0, step: 'prevote', hash: h(2) })).toBeNull();
    // The very same message again: allowed (same signature bytes); the next round: allowed.
    expect(guardNext(st, { height: 5, round: 1, step: 'precommit', hash: h(1) })).not.toBeNull();
    expect(guardNext(st, { height: 5, round: 2, step: 'prevote', hash: h(2) })).not.toBeNull();
    expect(new SqliteSignGuard(db, 'patient').load().last).toEqual({ height: 2, round: 0, step: 'prevote', hash: null });
    expect(db.prepare('SELECT height, round, phase FROM sign_guard WHERE chain = ?').get('hospital')).toEqual({ height: 5, round: 1, phase: 2 });
    db.close();
  });
});
