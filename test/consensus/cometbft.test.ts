/**
 * The ledger as an ABCI++ application on real CometBFT processes (src-main/consensus/cometbft):
 * four validators on loopback commit signed transactions on one chain with 96-byte BLS
 * certificates made from vote extensions; a validator killed and restarted catches up (Info
 * handshake + replay); a validator whose vote extensions do not verify is refused and the chain
 * goes on. Needs the CometBFT binary (`npm run cometbft`, which .ci/run does); without it the
 * tests report themselves skipped with that reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src-main/codec/canonical';
import { encodeTx } from '../../src-main/consensus/cometbft/block';
import { CometNetwork } from '../../src-main/consensus/cometbft/network';
import { cometbftBinary, MISSING_COMETBFT } from '../../src-main/consensus/cometbft/process';
import { defaultBls } from '../../src-main/crypto/bls';
import { bitmapIndices, DECIDED_ROUND, isPendingCertificate } from '../../src-main/ledger/certificate';
import { blockHash, txId } from '../../src-main/ledger/encoding';
import type { Ledger } from '../../src-main/ledger/ledger';

const blockHashAt = (l: Ledger, h: number) => blockHash(l.block('hospital', h)!.header);

const BIN = cometbftBinary();
if (!BIN) console.warn(`[cometbft.test] skipped: ${MISSING_COMETBFT}`);
const bls = defaultBls();

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!BIN)('CometBFT: four validators run the Trichain application', () => {
  let dir: string;
  let net: CometNetwork;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trichain-cometbft-'));
    net = await CometNetwork.create({ binary: BIN!, dir, validators: 4, bls, log: (l) => logs.push(l) });
    await net.start();
  }, 60_000);

  afterAll(async () => {
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits signed transactions; every block gets a 96-byte certificate two heights later', async () => {
    const txs = Array.from({ length: 40 }, (_, i) => net.anchorTx(i % 4, i));
    for (const [i, tx] of txs.entries()) await net.validators[i % 4].broadcast(encodeTx(tx));
    const ids = txs.map(txId);
    await until('all 40 transactions committed everywhere', () => net.ledgers.every((l) => ids.every((id) => l.txLocation('hospital', id))));
    const top = Math.max(...net.ledgers.map((l) => l.txLocation('hospital', ids[39])!.height));
    await until('their blocks certified', () => net.ledgers.every((l) => l.certifiedHeight('hospital') >= top));
    for (const l of net.ledgers) {
      expect(l.verifyStored({ signatures: true })).toMatchObject({ ok: true });
      for (let h = 1; h <= top; h++) {
        const b = l.block('hospital', h)!;
        expect(isPendingCertificate(b.cert)).toBe(false);
        expect(b.cert.signature.length).toBe(96);
        expect(b.cert.round).toBe(DECIDED_ROUND);
        expect(bitmapIndices(b.cert.signers, 4).length).toBeGreaterThanOrEqual(3);
        expect(bytesEqual(b.header.prevHash, h === 1 ? l.genesisHash('hospital') : blockHashAt(l, h - 1))).toBe(true);
      }
    }
    // every replica holds the same blocks
    const h = Math.min(...net.heights());
    const head = (i: number) => net.ledgers[i].block('hospital', h)!.header;
    for (let i = 1; i < 4; i++) expect(head(i)).toEqual(head(0));
    // uncertified blocks are not offered to syncing peers (the top two wait for their certificate)
    expect(net.ledgers[0].certifiedHeight('hospital')).toBeLessThanOrEqual(net.ledgers[0].height('hospital'));
  }, 90_000);

  it('a transaction the rules refuse never enters the mempool', async () => {
    const tx = net.anchorTx(0, 1_000_000);
    const r = await net.validators[0].broadcast(encodeTx({ ...tx, sig: net.anchorTx(1, 5).sig }), 'sync');
    expect(r.code).not.toBe(0);
    expect(r.log).toMatch(/signature/);
  });

  it('a validator killed and restarted catches up (handshake replay) while the others go on', async () => {
    await net.stopOne(3, true); // SIGKILL, as a crash
    const before = net.heights()[3];
    const txs = Array.from({ length: 12 }, (_, i) => net.anchorTx(i % 3, 2000 + i));
    for (const [i, tx] of txs.entries()) await net.validators[i % 3].broadcast(encodeTx(tx));
    await until('the other three commit without it', () => [0, 1, 2].every((i) => txs.every((t) => net.ledgers[i].txLocation('hospital', txId(t)))));
    expect(net.heights()[3]).toBeLessThanOrEqual(before + 1);
    await net.startOne(3);
    const target = Math.max(...net.heights());
    await until('the restarted validator reaches the others', () => net.heights()[3] >= target);
    const l3 = net.ledgers[3];
    for (const t of txs) expect(l3.txLocation('hospital', txId(t))).not.toBeNull();
    expect(bytesEqual(l3.block('hospital', target)!.header.prevHash, net.ledgers[0].block('hospital', target)!.header.prevHash)).toBe(true);
    expect(l3.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  }, 120_000);
});

describe.skipIf(!BIN)('CometBFT: a faulty vote extension', () => {
  let dir: string;
  let net: CometNetwork;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trichain-cometbft-faulty-'));
    net = await CometNetwork.create({ binary: BIN!, dir, validators: 4, bls, faulty: [3], log: (l) => logs.push(l) });
    await net.start();
  }, 60_000);

  afterAll(async () => {
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused, and the chain goes on with certificates signed by the other three', async () => {
    const txs = Array.from({ length: 8 }, (_, i) => net.anchorTx(i % 3, i));
    for (const [i, tx] of txs.entries()) await net.validators[i % 3].broadcast(encodeTx(tx));
    await until('committed', () => net.ledgers.slice(0, 3).every((l) => txs.every((t) => l.txLocation('hospital', txId(t)))));
    await until('certified past height 6', () => net.ledgers.slice(0, 3).every((l) => l.certifiedHeight('hospital') >= 6));
    expect(logs.some((l) => /refused the vote extension/.test(l))).toBe(true);
    const l = net.ledgers[0];
    for (let h = 2; h <= 6; h++) {
      const signers = bitmapIndices(l.block('hospital', h)!.cert.signers, 4);
      expect(signers).toEqual([0, 1, 2]);
    }
    expect(l.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  }, 90_000);
});
