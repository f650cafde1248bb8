/**
 * The `storage.signatures` report: real BLS and ECDSA signatures made and measured now (one BLS
 * aggregate vs one signature per party). Bounded and off the engine's loop (issue 13, finding 6:
 * one call with large inputs froze the demo for 37 s):
 *   - its input is capped by the contract (MAX_REPORT_SIGNATURES signatures in all);
 *   - the signatures are made in a worker thread (./signature-worker), so the engine's event loop
 *     goes on answering other calls; the worker's heap is capped (WORKER_HEAP_MB) and a report
 *     that takes longer than REPORT_TIMEOUT_MS is stopped (UNAVAILABLE);
 *   - one report is computed at a time (callers queue, at most MAX_QUEUED waiting), and a report
 *     already made is answered from memory (its sizes do not change between runs).
 *
 * The worker file: the built engine runs out/engine/src-main/app/signature-worker.js (an entry of
 * vite.engine.config.ts); from the TypeScript sources (tsx, vitest) signature-worker.ts (./worker-start.ts).
 */
import { startWorker } from './worker-start';
import type { BlsApi } from '../crypto/bls-types';
import { MAX_REPORT_SIGNATURES } from '../../src-shared/api/chains';

export { MAX_REPORT_SIGNATURES };
export const REPORT_TIMEOUT_MS = 60_000;
export const WORKER_HEAP_MB = 64;
export const MAX_QUEUED = 8;
const REMEMBERED = 16;

export interface SignatureRow {
  parties: number;
  aggregateBytes: number;
  perPartyBlsBytes: number;
  perPartyEcdsaBytes: number;
}

/** What the worker is given (workerData) and what it answers. */
export interface SignatureJob {
  kind: 'trichain-signature-report';
  backend: string;
  parties: number[];
}
export type WorkerAnswer = { rows: SignatureRow[]; threadId: number } | { error: string };

const fail = (code: 'BAD_REQUEST' | 'UNAVAILABLE', message: string) => Object.assign(new Error(message), { code });

export class SignatureReports {
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private readonly done = new Map<string, Promise<SignatureRow[]>>();
  /** Workers running now (never more than one), and the thread that made the last report (tests read them). */
  running = 0;
  peakRunning = 0;
  lastThreadId: number | null = null;

  constructor(
    private readonly bls: BlsApi,
    private readonly timeoutMs = REPORT_TIMEOUT_MS,
  ) {}

  measure(parties: number[]): Promise<SignatureRow[]> {
    if (!Array.isArray(parties) || parties.length === 0 || !parties.every((k) => Number.isSafeInteger(k) && k >= 1)) return Promise.reject(fail('BAD_REQUEST', 'parties must be positive integers'));
    const total = parties.reduce((n, k) => n + k, 0);
    if (total > MAX_REPORT_SIGNATURES) return Promise.reject(fail('BAD_REQUEST', `at most ${MAX_REPORT_SIGNATURES} signatures in all (asked for ${total})`));
    const key = parties.join(',');
    const known = this.done.get(key);
    if (known) return known;
    if (this.queued >= MAX_QUEUED) return Promise.reject(fail('UNAVAILABLE', `${this.queued} signature reports are already waiting; try again later`));
    this.queued++;
    const run = this.queue.then(() => this.compute(parties)).finally(() => this.queued--);
    this.queue = run.catch(() => undefined);
    this.done.set(key, run);
    run.catch(() => this.done.delete(key));
    while (this.done.size > REMEMBERED) this.done.delete(this.done.keys().next().value!);
    return run;
  }

  private compute(parties: number[]): Promise<SignatureRow[]> {
    return new Promise((resolve, reject) => {
      const job: SignatureJob = { kind: 'trichain-signature-report', backend: this.bls.backend, parties };
      const w = startWorker(import.meta.url, 'signature-worker', { ...job }, {
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
        stdout: false,
        stderr: false,
      });
      w.unref(); // a report never keeps a stopping engine alive
      this.running++;
      this.peakRunning = Math.max(this.peakRunning, this.running);
      // The answer (or the failure) is given once the worker has exited, so that the next report
      // never starts beside a worker still being stopped.
      let outcome: (() => void) | null = null;
      const finish = (f: () => void) => {
        if (outcome) return;
        outcome = f;
        clearTimeout(timer);
        void w.terminate();
      };
      const timer = setTimeout(() => finish(() => reject(fail('UNAVAILABLE', `the signature report took longer than ${this.timeoutMs} ms and was stopped`))), this.timeoutMs);
      timer.unref();
      w.on('message', (a: WorkerAnswer) =>
        finish(() => {
          if ('error' in a) reject(new Error(`signature report: ${a.error}`));
          else {
            this.lastThreadId = a.threadId;
            resolve(a.rows);
          }
        }),
      );
      w.on('error', (e) => finish(() => reject(new Error(`signature report: ${e.message}`))));
      w.on('exit', (code) => {
        this.running--;
        finish(() => reject(new Error(`signature report: the worker stopped (exit ${code}) without answering`)));
        outcome!();
      });
    });
  }
}
