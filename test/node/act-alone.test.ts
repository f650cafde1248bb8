/**
 * An act on chains a node commits alone (node/acts.ts commitAlone): its steps' blocks and the
 * caller's local writes are one SQLite transaction. A step the rules refuse, even the last after
 * an earlier step's block was made, leaves nothing: no block, no outbox entry, no local write; the
 * node goes on. A committed act's steps are each in a block, marked committed in the outbox, and
 * announced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultBls } from '../../src-main/crypto/bls';
import { toHex } from '../../src-main/codec/hex';
import { txId } from '../../src-main/ledger/encoding';
import { TxRejected } from '../../src-main/ledger/rules/types';
import { TrichainNode } from '../../src-main/node/node';
import { heldSteps } from '../../src-main/node/acts';
import { testKey, tempDir } from '../support/ledger';

const fast = { N: 2 ** 10 };
let node: TrichainNode | null = null;
afterEach(() => node?.close());

const register = (name: string) => {
  const k = testKey(defaultBls(), name);
  return { role: 'patient' as const, name, blsPk: k.pk, x25519Pk: k.x25519Pk, pop: k.pop };
};
const localMark = (n: TrichainNode) => n.db.prepare("SELECT COUNT(*) FROM meta WHERE key = 'test/act-local'").pluck().get() as number;

describe('an act on chains this node commits alone', () => {
  it('is all or nothing: a refused last step undoes the earlier step\'s block and the local writes', async () => {
    node = await TrichainNode.init(tempDir('act-alone-'), { role: 'hospital', name: 'H', passphrase: 'pass-phrase', found: true, scrypt: fast });
    const n = node;
    expect(n.isSoloValidator('patient')).toBe(true);
    const p = register('P');
    const height = n.ledger.height('patient');
    const outbox = () => n.db.prepare('SELECT COUNT(*) FROM outbox').pluck().get() as number;
    const before = outbox();
    const blocks: number[] = [];
    n.on('block', (e: { height: number }) => blocks.push(e.height));
    // Step 2 registers the same key again: refused by its block, after step 1's block was made.
    const act = () => n.submitAct([{ chain: 'patient', type: 'member.register', body: p }, { chain: 'patient', type: 'member.register', body: p }], { local: () => n.db.prepare("INSERT INTO meta (key, value) VALUES ('test/act-local', x'01')").run() });
    expect(act).toThrow(TxRejected);
    expect(act).toThrow(/already/i);
    expect(n.ledger.height('patient')).toBe(height);
    expect(outbox()).toBe(before);
    expect(localMark(n)).toBe(0);
    expect(heldSteps(n)).toEqual([]);
    expect(blocks).toEqual([]);
    expect(n.ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });

    // The node goes on: a valid act of two steps commits both, in two blocks, with its local write.
    const q = register('Q');
    const r = register('R');
    const txs = n.submitAct([{ chain: 'patient', type: 'member.register', body: q }, { chain: 'patient', type: 'member.register', body: r }], { local: () => n.db.prepare("INSERT INTO meta (key, value) VALUES ('test/act-local', x'01')").run() });
    expect(n.ledger.height('patient')).toBe(height + 2);
    expect(blocks).toEqual([height + 1, height + 2]);
    expect(localMark(n)).toBe(1);
    const ids = txs.map((tx) => txId(tx));
    for (const id of ids) expect(n.ledger.txLocation('patient', id)).not.toBeNull();
    expect(n.outbox('committed').map((e) => e.id)).toEqual(expect.arrayContaining(ids.map(toHex)));
    expect(n.ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });
});
