/**
 * The least BLS work every validator (and every fresh node) does per transaction: verifying its
 * author's signature once, inside a batch (BlsApi.batchVerify: one Miller loop per distinct message,
 * one shared final exponentiation; blst). Measured in the same run as the engines and catch-up rows,
 * on the same transactions they carry (record.anchor), so that their ceilings are figures of this
 * machine, not assumptions: with V validators on C cores no engine can commit more than
 * C × 1000 / (V × ms per signature) transactions a second, whatever else it does.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { anchorTx, makeNetworkKey } from '../src-main/consensus/cometbft/network';
import type { BatchItem, BlsApi } from '../src-main/crypto/bls-types';
import { txSignatureItems } from '../src-main/ledger/batch-verify';
import { median } from './util';

export interface SignatureFloor {
  /** CPU milliseconds per author signature in a batch of `batch` (median of `rounds`; every thread blst uses). */
  cpuMsPerSig: number;
  /** Wall-clock milliseconds per signature in the same batches (blst may spread a batch over threads). */
  wallMsPerSig: number;
  batch: number;
  cores: number;
}

export function authorSignatureFloor(bls: BlsApi, batch = 1000, rounds = 3): SignatureFloor {
  const key = makeNetworkKey(bls, 0);
  const txs = Array.from({ length: batch }, (_, i) => anchorTx(bls, key, 'hospital', i));
  const items: BatchItem[] = [];
  txSignatureItems('hospital', 1, txs, items);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.cpuUsage();
    const w = performance.now();
    if (!bls.batchVerify(items)) throw new Error('bench bls-floor: the batch does not verify');
    wall.push((performance.now() - w) / batch);
    const u = process.cpuUsage(t);
    cpu.push((u.user + u.system) / 1000 / batch);
  }
  return { cpuMsPerSig: median(cpu), wallMsPerSig: median(wall), batch, cores: availableParallelism() };
}

/** The most transactions a second `validators` validators can commit on `f.cores` cores from BLS alone. */
export const txPerSecCeiling = (f: SignatureFloor, validators: number): number => (f.cores * 1000) / (validators * f.cpuMsPerSig);
