/**
 * The CometBFT application's own logic without CometBFT (src-main/consensus/cometbft): each author
 * signature is verified once per validator (CheckTx, then not again in ProcessProposal and
 * FinalizeBlock), yet a known transaction id carrying another signature is checked and refused;
 * where CometBFT takes over a chain (cometStartHeight) for a founder's chain and one founded on it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { CometApp } from '../../src-main/consensus/cometbft/application';
import { encodeTx } from '../../src-main/consensus/cometbft/block';
import { anchorTx, makeNetworkKey, testnetGenesis } from '../../src-main/consensus/cometbft/network';
import type { Req } from '../../src-main/consensus/cometbft/server';
import { cometStartHeight, isCometSet } from '../../src-main/consensus/cometbft/validators';
import { VerifiedSignatures } from '../../src-main/ledger/verified';
import { defaultBls } from '../../src-main/crypto/bls';
import { countingBls } from '../support/bls';
import { Ledger } from '../../src-main/ledger/ledger';
import { openDatabase } from '../../src-main/storage/db';
import { tempDir } from '../support/ledger';
import { join } from 'node:path';

const bls = defaultBls();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function appWithLedger(validators = 2) {
  const keys = Array.from({ length: validators }, (_, i) => makeNetworkKey(bls, i));
  const genesis = testnetGenesis('hospital', keys, keys.map(() => new Uint8Array(randomBytes(32))));
  const dir = tempDir('comet-app-');
  dirs.push(dir);
  const counted = countingBls(bls);
  const ledger = new Ledger(openDatabase(join(dir, 'node.db')), counted);
  ledger.initGenesis(genesis);
  const app = new CometApp({ ledger, chain: 'hospital', bls: counted, blsSecretKey: keys[0].sk, blsPublicKey: keys[0].pk });
  return { keys, ledger, app, counted };
}

const prepare = (app: CometApp, height: number, txs: Uint8Array[]) =>
  app.prepareProposal({ height: BigInt(height), txs, maxTxBytes: 8_000_000n, time: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 }, proposerAddress: new Uint8Array(20), localLastCommit: { round: 0, votes: [] }, misbehavior: [], nextValidatorsHash: new Uint8Array(0) } as unknown as Req['prepareProposal']).txs!;
const process_ = (app: CometApp, height: number, txs: Uint8Array[]) => app.processProposal({ height: BigInt(height), txs } as unknown as Req['processProposal']).status;
const finalize = (app: CometApp, height: number, txs: Uint8Array[]) => app.finalizeBlock({ height: BigInt(height), txs } as unknown as Req['finalizeBlock']);

describe('the verified-signature cache', () => {
  it('holds an id with the signature that verified, and nothing else', () => {
    const k = makeNetworkKey(bls, 0);
    const tx = anchorTx(bls, k, 'hospital', 1);
    const v = new VerifiedSignatures(2);
    expect(v.has(tx)).toBe(false);
    v.add(tx);
    expect(v.has(tx)).toBe(true);
    expect(v.has({ ...tx, sig: anchorTx(bls, k, 'hospital', 2).sig })).toBe(false);
    const [a, b] = [anchorTx(bls, k, 'hospital', 3), anchorTx(bls, k, 'hospital', 4)];
    v.add(a);
    v.add(b);
    expect(v.size).toBe(2);
    expect(v.has(tx)).toBe(false); // the oldest went first
    expect([a, b].every((t) => v.has(t))).toBe(true);
  });

  it('CheckTx verifies each signature once; ProcessProposal and FinalizeBlock do not verify it again', async () => {
    const { keys, app, ledger, counted } = appWithLedger();
    const txs = Array.from({ length: 6 }, (_, i) => anchorTx(bls, keys[i % 2], 'hospital', Math.floor(i / 2)));
    for (const tx of txs) expect(app.checkTx({ tx: encodeTx(tx) } as unknown as Req['checkTx']).code).toBe(0);
    expect(counted.verifies).toBe(6);
    const block = prepare(app, 1, txs.map(encodeTx));
    expect(process_(app, 1, block)).toBe(1);
    await finalize(app, 1, block);
    app.commit();
    expect(ledger.height('hospital')).toBe(1);
    expect(counted.verifies).toBe(6);
  });

  it('a proposal carrying a cached id with a forged signature is checked and refused', () => {
    const { keys, app } = appWithLedger();
    const good = anchorTx(bls, keys[0], 'hospital', 0);
    expect(app.checkTx({ tx: encodeTx(good) } as unknown as Req['checkTx']).code).toBe(0);
    // a (faulty) proposer builds its block around the same transaction with another signature
    const forged = encodeTx({ ...good, sig: anchorTx(bls, keys[0], 'hospital', 9).sig });
    expect(process_(app, 1, prepare(app, 1, [forged]))).toBe(2);
    expect(process_(app, 1, prepare(app, 1, [encodeTx(good)]))).toBe(1);
  });
});

describe('a node\'s chains share one database connection', () => {
  it('a second chain\'s FinalizeBlock waits for the first chain\'s Commit instead of failing', async () => {
    const { keys, app: hospital, ledger } = appWithLedger();
    ledger.initGenesis(testnetGenesis('patient', keys, keys.map(() => new Uint8Array(randomBytes(32)))));
    const patient = new CometApp({ ledger, chain: 'patient', bls, blsSecretKey: keys[0].sk, blsPublicKey: keys[0].pk });
    const [bh, bp] = [prepare(hospital, 1, []), prepare(patient, 1, [])];
    const first = hospital.finalizeBlock({ height: 1n, txs: bh } as unknown as Req['finalizeBlock']);
    let secondDone = false;
    const second = Promise.resolve(patient.finalizeBlock({ height: 1n, txs: bp } as unknown as Req['finalizeBlock'])).then(() => (secondDone = true));
    await first;
    await new Promise((r) => setImmediate(r));
    expect(secondDone).toBe(false); // waiting for the hospital chain's Commit
    hospital.commit();
    await second;
    patient.commit();
    expect([ledger.height('hospital'), ledger.height('patient')]).toEqual([1, 1]);
  });
});

describe('where CometBFT takes over a chain', () => {
  it('from genesis when founded with CometBFT keys; at the change\'s height after a solo founder; never for one validator', () => {
    const { ledger } = appWithLedger(2);
    expect(cometStartHeight(ledger, 'hospital', 1)).toBe(1);
    expect(cometStartHeight(ledger, 'hospital', 50)).toBe(1);
    const solo = appWithLedger(1);
    expect(isCometSet(solo.ledger.validatorsAt('hospital', 1))).toBe(false);
    expect(cometStartHeight(solo.ledger, 'hospital', 1)).toBeNull();
  });
});
