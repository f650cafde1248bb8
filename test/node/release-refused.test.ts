/**
 * A held step the rules refuse once its predecessor is on the chain (node/acts.ts releaseHeld):
 * where the node commits that chain alone it is not checked at release, the block it makes next
 * checks it. Either way it must end marked rejected with the rules' reason, never on the chain,
 * not left in the mempool, and the next steps go on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultBls } from '../../src-main/crypto/bls';
import { txBytes, txId } from '../../src-main/ledger/encoding';
import { TrichainNode } from '../../src-main/node/node';
import { releaseHeld, heldSteps } from '../../src-main/node/acts';
import { testKey, tempDir } from '../support/ledger';

const fast = { N: 2 ** 10 };
let node: TrichainNode | null = null;
afterEach(() => node?.close());

describe('a held step refused at release', () => {
  it('is marked rejected with the reason by the block that checks it, and nothing of it is committed', async () => {
    node = await TrichainNode.init(tempDir('release-refused-'), { role: 'hospital', name: 'H', passphrase: 'pass-phrase', found: true, scrypt: fast });
    expect(node.isSoloValidator('patient')).toBe(true);
    const p = testKey(defaultBls(), 'patient');
    const body = { role: 'patient' as const, name: 'P', blsPk: p.pk, x25519Pk: p.x25519Pk, pop: p.pop };
    const first = node.submit('patient', 'member.register', body);
    expect(first.status).toBe('committed');
    // A second registration of the same key, held behind the first (as an act's later step is).
    const again = node.sign('patient', 'member.register', body);
    const id = txId(again);
    node.db.prepare('INSERT INTO held_txs (id, chain, bytes, after, after_chain, created) VALUES (?, ?, ?, ?, ?, ?)').run(id, 'patient', txBytes(again), first.id, 'patient', Date.now());
    const height = node.ledger.height('patient');
    expect(releaseHeld(node)).toBe(1);
    node.commitPending('patient');
    expect(heldSteps(node)).toEqual([]);
    expect(node.ledger.txLocation('patient', id)).toBeNull();
    expect(node.mempool('patient')).toHaveLength(0);
    const out = node.db.prepare('SELECT status, detail FROM outbox WHERE id = ?').get(id) as { status: string; detail: string };
    expect(out.status).toBe('rejected');
    expect(out.detail).toMatch(/already/i);
    // the chain goes on
    const q = testKey(defaultBls(), 'another patient');
    expect(node.submit('patient', 'member.register', { role: 'patient', name: 'Q', blsPk: q.pk, x25519Pk: q.x25519Pk, pop: q.pop }).status).toBe('committed');
    expect(node.ledger.height('patient')).toBeGreaterThan(height);
  });
});
