/**
 * Old blocks replay identically (issue 11): every block header commits a state root, so a change
 * to the rules (record.anchor's checks shared with record.anchorBatch) or to how blocks are applied
 * (ledger/prepared.ts) must leave the state of every stored block the same. The fixture holds the
 * chains of a hospital that stored its records one transaction per record, made by the code as it
 * was before batches (scripts/make-replay-fixture.ts); a fresh ledger verifies and applies them.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalDecode } from '../../src-main/codec/canonical';
import { fromHex } from '../../src-main/codec/hex';
import { createBls } from '../../src-main/crypto/bls';
import { decodeBlock } from '../../src-main/ledger/encoding';
import { Ledger } from '../../src-main/ledger/ledger';
import type { ChainId, Genesis } from '../../src-main/ledger/types';
import { openDatabase } from '../../src-main/storage/db';
import { CHAINS } from '../../src-shared/vocabulary';
import { tempDir } from '../support/ledger';

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'single-record-chains.json'), 'utf8')) as { chains: Record<ChainId, { genesis: string; blocks: string[] }> };
const bytes = (hex: string) => fromHex(hex, hex.length / 2);

describe('blocks of single-record transactions made before batches', () => {
  it('replay to the state roots their headers commit, block by block and in one catch-up batch', () => {
    const types = new Set<string>();
    for (const batch of [false, true]) {
      const ledger = new Ledger(openDatabase(join(tempDir('replay-'), 'node.db')), createBls());
      for (const chain of CHAINS) {
        const { genesis, blocks } = fixture.chains[chain];
        ledger.initGenesis(canonicalDecode(bytes(genesis)) as unknown as Genesis);
        const decoded = blocks.map((b) => decodeBlock(bytes(b)));
        for (const b of decoded) for (const tx of b.txs) types.add(tx.type);
        if (batch) ledger.commitBlocks(decoded);
        else for (const b of blocks) ledger.appendBlock(chain, bytes(b));
        expect(ledger.height(chain)).toBe(blocks.length);
        if (blocks.length) expect(ledger.stateRoot(chain)).toEqual(decoded[decoded.length - 1].header.stateRoot);
      }
      expect(ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
      ledger.db.close();
    }
    expect([...types].sort()).toEqual(expect.arrayContaining(['access.log', 'member.register', 'patient.bind', 'record.anchor', 'record.erase', 'record.link', 'record.unlink']));
    expect(types.has('record.anchorBatch')).toBe(false);
  });
});
