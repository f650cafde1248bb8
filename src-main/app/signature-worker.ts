/**
 * The worker thread of the `storage.signatures` report (./signature-storage): makes k real BLS and
 * secp256k1 ECDSA signatures per row and answers their sizes, off the engine's event loop. It is
 * started for one report and ends after answering. Its own entry in the built engine
 * (vite.engine.config.ts), so nothing here may be imported by the engine's other modules.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { utf8 } from '../codec/hex';
import { createBls, type BlsApi, type BlsBackendName } from '../crypto/bls';
import type { SignatureJob, SignatureRow, WorkerAnswer } from './signature-storage';

export function signatureRows(bls: BlsApi, parties: number[]): SignatureRow[] {
  const msg = (k: number) => utf8(`trichain storage sample ${k}`);
  return parties.map((k) => {
    const sigs: Uint8Array[] = [];
    let ecdsaBytes = 0;
    for (let j = 0; j < k; j++) {
      const sk = bls.keygen(utf8(`storage-sample-key-${j}-padding-to-32-bytes!!`));
      sigs.push(bls.sign(sk, msg(j)));
      ecdsaBytes += secp256k1.sign(msg(j), secp256k1.utils.randomSecretKey(), { prehash: true }).length;
    }
    return { parties: k, aggregateBytes: bls.aggregate(sigs).length, perPartyBlsBytes: sigs.reduce((n, s) => n + s.length, 0), perPartyEcdsaBytes: ecdsaBytes };
  });
}

if (parentPort && (workerData as { kind?: string } | null)?.kind === 'trichain-signature-report') {
  const job = workerData as SignatureJob;
  let answer: WorkerAnswer;
  try {
    answer = { rows: signatureRows(createBls(job.backend as BlsBackendName), job.parties), threadId };
  } catch (e) {
    answer = { error: (e as Error).message };
  }
  parentPort.postMessage(answer);
}
