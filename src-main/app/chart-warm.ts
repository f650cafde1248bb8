/**
 * Warming the chart cache after a start (issue 11: the first open after a restart decrypted and
 * classified a chart of 1,000 records for ~20 s on the engine's loop). The cache is in memory only
 * (plaintext never reaches the disk), so a restart empties it; this fills it again in the
 * background. The engine's loop only reads what each record needs (its anchored version and hash,
 * its wrapped key and its ciphertext); a worker thread (./chart-warm-worker.ts) decrypts,
 * classifies and describes; the entries come back into the cache. Patients whose chart was opened
 * here most recently go first (their ids kept in `meta`: keys, no content), then the others, up to
 * the cache's bound. A chart opened meanwhile uses what is warm and reads the rest itself.
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { toHex } from '../codec/hex';
import { recordHead, recordVersion, type LabelsBody } from '../ledger/rules/hospital';
import type { TrichainNode } from '../node/node';
import { entryCount, holdsEntry, MAX_ENTRIES, seedEntry, type ChartEntry, type EntryKey } from '../emr/chart/cache';
import { listPatients } from '../emr/patients';
import { myRecords } from '../emr/patient-view';
import { patientRecordIds } from '../emr/records';
import { startWorker } from './worker-start';

export interface WarmJob {
  recordId: string;
  version: number;
  /** The anchored content hash, hex. */
  contentHash: string;
  /** The data key wrapped for this node (its organization's, or the patient's own). */
  wrapped: unknown;
  blob: Uint8Array;
  chainLabels: LabelsBody | null;
}
export interface WarmStart {
  kind: 'trichain-chart-warm';
  secretKey: Uint8Array;
}
export interface WarmAnswer {
  entries: { key: EntryKey; entry: ChartEntry }[];
  failed: number;
}
export interface WarmReport {
  patients: number;
  records: number;
  failed: number;
  /** Time the engine's own loop spent on it (reading records, putting entries in the cache). */
  loopMs: number;
  /** From start to end. */
  ms: number;
}

/** Records sent to the worker at once. */
export const WARM_BATCH = 25;
/** The warmer stops when the cache holds this many entries of the node (the cache keeps at most MAX_ENTRIES). */
const BUDGET = Math.floor(MAX_ENTRIES * 0.9);
const RECENT = 'chart-recent';
const MAX_RECENT = 50;
const WORKER_HEAP_MB = 256;

/** Remembers that this node opened a patient's chart (most recent first; ids only). */
export function noteChartOpened(node: TrichainNode, patient: Uint8Array): void {
  const hex = toHex(patient);
  const list = recentCharts(node);
  if (list[0] === hex) return;
  const next = [hex, ...list.filter((x) => x !== hex)].slice(0, MAX_RECENT);
  node.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(RECENT, Buffer.from(JSON.stringify(next)));
}

/** The patients (key hex) whose charts this node opened most recently, newest first. */
export function recentCharts(node: TrichainNode): string[] {
  const row = node.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(RECENT) as Buffer | undefined;
  try {
    const v = row ? (JSON.parse(Buffer.from(row).toString('utf8')) as unknown) : [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && /^[0-9a-f]+$/.test(x)) : [];
  } catch {
    return [];
  }
}

export class ChartWarmer {
  private stopped = false;
  private worker: Worker | null = null;

  constructor(private readonly node: TrichainNode) {}

  /** Warms the cache; resolves with what it did (never rejects: what is not warm, a chart reads itself). */
  async run(): Promise<WarmReport> {
    const t0 = performance.now();
    const report: WarmReport = { patients: 0, records: 0, failed: 0, loopMs: 0, ms: 0 };
    const role = this.node.config.role;
    if (role !== 'hospital' && role !== 'patient') return report;
    try {
      for (const patient of this.patients()) {
        if (this.stopped || entryCount(this.node) >= BUDGET) break;
        report.patients++;
        let jobs: WarmJob[] = [];
        for (const next of this.jobsOf(patient, report)) {
          if (this.stopped) break;
          jobs.push(next);
          if (jobs.length >= WARM_BATCH) {
            await this.send(jobs, report);
            jobs = [];
          }
        }
        if (jobs.length && !this.stopped) await this.send(jobs, report);
      }
    } catch {
      // a node closed under the warmer, or a worker that failed: the charts read themselves
    } finally {
      this.stop();
    }
    report.ms = performance.now() - t0;
    return report;
  }

  stop(): void {
    this.stopped = true;
    void this.worker?.terminate();
    this.worker = null;
  }

  /** Recently opened first, then the others (a patient laptop: its own). */
  private patients(): string[] {
    if (this.node.config.role === 'patient') return [this.node.publicKeyHex];
    const recent = recentCharts(this.node);
    const rest = listPatients(this.node).map((p) => toHex(p.pk)).filter((x) => !recent.includes(x));
    return [...recent, ...rest];
  }

  /** The records of one patient not warm yet, read on the engine's loop one at a time. */
  private *jobsOf(patientHex: string, report: WarmReport): Generator<WarmJob> {
    const node = this.node;
    if (node.config.role === 'patient') {
      for (const r of myRecords(node)) {
        const t = performance.now();
        const { link } = r;
        const key = { recordId: link.recordId, version: link.version, contentHash: toHex(link.contentHash) };
        const blob = holdsEntry(node, key) || !r.available ? null : this.blob(link.blobHash);
        report.loopMs += performance.now() - t;
        if (blob) yield { ...key, wrapped: link.patientKey, blob, chainLabels: null };
      }
      return;
    }
    const st = node.ledger.state('hospital');
    const pk = Uint8Array.from(Buffer.from(patientHex, 'hex'));
    for (const recordId of patientRecordIds(node, pk)) {
      const t = performance.now();
      const job = ((): WarmJob | null => {
        const head = recordHead(st, recordId);
        if (!head || head.erased) return null;
        const meta = recordVersion(st, recordId, head.version);
        if (!meta) return null;
        const key = { recordId, version: head.version, contentHash: toHex(meta.contentHash) };
        if (holdsEntry(node, key)) return null;
        const wrapped = st.get(`record/${recordId}/v/${head.version}/key/${node.publicKeyHex}`);
        const blob = wrapped ? this.blob(meta.blobHash) : null;
        return wrapped && blob ? { ...key, wrapped, blob, chainLabels: meta.labels } : null;
      })();
      report.loopMs += performance.now() - t;
      if (job) yield job;
    }
  }

  private blob(hash: Uint8Array): Uint8Array | null {
    try {
      return this.node.blobs.get(hash);
    } catch {
      return null; // corrupt here: the daemon fetches it again, the chart reports it
    }
  }

  /** One batch through the worker; its entries into the cache (unless the record changed meanwhile). */
  private async send(jobs: WarmJob[], report: WarmReport): Promise<void> {
    const w = (this.worker ??= this.start());
    const answer = await new Promise<WarmAnswer>((resolve, reject) => {
      const done = (f: () => void) => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        f();
      };
      const onMessage = (a: WarmAnswer) => done(() => resolve(a));
      const onError = (e: Error) => done(() => reject(e));
      const onExit = () => done(() => reject(new Error('the chart-warming worker stopped')));
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage(jobs);
    });
    const t = performance.now();
    for (const { key, entry } of answer.entries) {
      if (!holdsEntry(this.node, key)) seedEntry(this.node, key, entry);
    }
    report.records += answer.entries.length;
    report.failed += answer.failed;
    report.loopMs += performance.now() - t;
  }

  private start(): Worker {
    const start: WarmStart = { kind: 'trichain-chart-warm', secretKey: this.node.identity.x25519SecretKey };
    const w = startWorker(import.meta.url, 'chart-warm-worker', { ...start }, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB }, stdout: false, stderr: false });
    w.unref(); // warming never keeps a stopping engine alive
    // An error between two batches (nobody listening then) must not become the engine's uncaught
    // 'error' event: the warmer stops, the charts read themselves.
    w.on('error', () => this.stop());
    return w;
  }
}
