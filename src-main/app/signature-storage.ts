/**
 * The `storage.signatures` report: real BLS and ECDSA signatures made and measured now (one BLS
 * aggregate vs one signature per party). Bounded and kind to the engine (issue 13, finding 6: one
 * call with large inputs froze the demo for 37 s):
 *   - its input is capped by the contract (MAX_REPORT_SIGNATURES signatures in all);
 *   - the work runs in slices of at most SLICE_MS, yielding to the event loop between them, so
 *     other calls are answered while it runs;
 *   - one report is computed at a time (callers queue), and a report already made is answered
 *     from memory (its sizes do not change between runs).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { BlsApi } from '../crypto/bls-types';
import { utf8 } from '../codec/hex';
import { MAX_REPORT_SIGNATURES } from '../../src-shared/api/chains';

export { MAX_REPORT_SIGNATURES };
export const SLICE_MS = 8;
const REMEMBERED = 16;

export interface SignatureRow {
  parties: number;
  aggregateBytes: number;
  perPartyBlsBytes: number;
  perPartyEcdsaBytes: number;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SignatureReports {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly done = new Map<string, Promise<SignatureRow[]>>();
  /** How many slices the last computation took (a test reads it). */
  slices = 0;

  constructor(private readonly bls: BlsApi) {}

  measure(parties: number[]): Promise<SignatureRow[]> {
    const total = parties.reduce((n, k) => n + k, 0);
    if (total > MAX_REPORT_SIGNATURES) return Promise.reject(Object.assign(new Error(`at most ${MAX_REPORT_SIGNATURES} signatures in all (asked for ${total})`), { code: 'BAD_REQUEST' }));
    const key = parties.join(',');
    const known = this.done.get(key);
    if (known) return known;
    const run = this.queue.then(() => this.compute(parties));
    this.queue = run.catch(() => undefined);
    this.done.set(key, run);
    run.catch(() => this.done.delete(key));
    while (this.done.size > REMEMBERED) this.done.delete(this.done.keys().next().value!);
    return run;
  }

  private async compute(parties: number[]): Promise<SignatureRow[]> {
    const msg = (k: number) => utf8(`trichain storage sample ${k}`);
    let sliceStart = performance.now();
    this.slices = 1;
    const breathe = async () => {
      if (performance.now() - sliceStart < SLICE_MS) return;
      await yieldToLoop();
      this.slices++;
      sliceStart = performance.now();
    };
    const rows: SignatureRow[] = [];
    for (const k of parties) {
      const bls: Uint8Array[] = [];
      let ecdsaBytes = 0;
      for (let j = 0; j < k; j++) {
        const sk = this.bls.keygen(utf8(`storage-sample-key-${j}-padding-to-32-bytes!!`));
        bls.push(this.bls.sign(sk, msg(j)));
        ecdsaBytes += secp256k1.sign(msg(j), secp256k1.utils.randomSecretKey(), { prehash: true }).length;
        await breathe();
      }
      rows.push({ parties: k, aggregateBytes: this.bls.aggregate(bls).length, perPartyBlsBytes: bls.reduce((n, s) => n + s.length, 0), perPartyEcdsaBytes: ecdsaBytes });
      await breathe();
    }
    return rows;
  }
}
