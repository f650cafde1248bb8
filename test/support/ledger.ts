/**
 * Test fixtures for ledgers: real keys, real genesis documents, a database per replica in a
 * fresh temporary folder. Used by ledger, node and sharing tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import type { BlsApi } from '../../src-main/crypto/bls-types';
import { openDatabase } from '../../src-main/storage/db';
import { Ledger } from '../../src-main/ledger/ledger';
import type { ValidatorKey } from '../../src-main/ledger/producer';
import { type Genesis, type GenesisMember } from '../../src-main/ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';

export interface TestKey extends ValidatorKey {
  name: string;
  pop: Uint8Array;
  x25519Sk: Uint8Array;
  x25519Pk: Uint8Array;
}

export function testKey(bls: BlsApi, name: string): TestKey {
  const sk = bls.keygen(randomBytes(32));
  const x25519Sk = randomBytes(32);
  return { name, sk, pk: bls.publicKey(sk), pop: bls.popProve(sk), x25519Sk, x25519Pk: x25519.getPublicKey(x25519Sk) };
}

export function tempDir(prefix = 'trichain-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function genesisFor(chain: (typeof CHAINS)[number], validators: TestKey[], members: (TestKey & { role: GenesisMember['role'] })[], time = 1_700_000_000_000): Genesis {
  return {
    chain,
    network: 'test-network',
    time,
    validators: validators.map((v) => ({ name: v.name, blsPk: v.pk, pop: v.pop })),
    members: members.map((m) => ({ name: m.name, role: m.role, blsPk: m.pk, x25519Pk: m.x25519Pk, pop: m.pop })),
  };
}

/** A ledger with all three chains founded by `validators` (who are also hospital members). */
export function testLedger(bls: BlsApi, validators: TestKey[], dir = tempDir()): Ledger {
  const ledger = new Ledger(openDatabase(join(dir, 'node.db')), bls);
  const members = validators.map((v) => ({ ...v, role: 'hospital' as const }));
  for (const chain of CHAINS) ledger.initGenesis(genesisFor(chain, validators, members));
  return ledger;
}
