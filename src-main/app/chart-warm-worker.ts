/**
 * The worker thread that warms the chart cache after a start (./chart-warm.ts): it decrypts each
 * record it is given (unwrap the data key, AES-GCM, check the anchored hash), classifies it and
 * derives its card facts, and answers the chart entries. Plaintext stays in this process's memory:
 * nothing is written anywhere. Its own entry in the built engine (vite.engine.config.ts), so
 * nothing here may be imported by the engine's other modules.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toHex } from '../codec/hex';
import { contentHash } from '../crypto/hash';
import { makeEntry } from '../emr/chart/entry';
import { openBlob, recordAad, unwrapWith } from '../emr/record-crypto';
import type { WarmAnswer, WarmJob, WarmStart } from './chart-warm';

export function warmEntries(secretKey: Uint8Array, jobs: WarmJob[]): WarmAnswer {
  const entries: WarmAnswer['entries'] = [];
  let failed = 0;
  for (const j of jobs) {
    try {
      const aad = recordAad(j.recordId, j.version);
      const plain = openBlob(j.blob, unwrapWith(secretKey, j.wrapped, aad), aad);
      if (toHex(contentHash(plain)) !== j.contentHash) throw new Error('content does not match its anchored hash');
      entries.push({ key: { recordId: j.recordId, version: j.version, contentHash: j.contentHash }, entry: makeEntry(JSON.parse(new TextDecoder().decode(plain)), j.chainLabels) });
    } catch {
      failed++; // left for the chart to read (and to report) when it opens
    }
  }
  return { entries, failed };
}

const start = workerData as WarmStart | null;
if (parentPort && start?.kind === 'trichain-chart-warm') {
  const port = parentPort;
  port.on('message', (jobs: WarmJob[]) => port.postMessage(warmEntries(start.secretKey, jobs)));
}
