/**
 * Imports outlive the page that started them: the engine keeps each import's progress and result
 * (the last 50, in memory), so a page reloaded while a long import runs, or after it ended, reads
 * them back with imports.status instead of losing them.
 */
import type { ApiOutput, EventPayload, TrichainEvent } from '../../src-shared/api';

type Status = ApiOutput<'imports.status'>;
type Result = NonNullable<Status['result']>;
const KEEP = 50;

export class ImportTracker {
  private readonly imports = new Map<string, Status>();

  /** Feed every event the engine emits; import.progress events update their import. */
  observe(e: TrichainEvent): void {
    if (e.type !== 'import.progress') return;
    const p = e.payload as EventPayload<'import.progress'>;
    const prev = this.imports.get(p.importId);
    this.set({ ...prev, importId: p.importId, phase: p.phase, done: p.done, total: p.total, message: p.message, startedAt: prev?.startedAt ?? new Date().toISOString() });
  }

  finish(importId: string, result: Result): void {
    const prev = this.imports.get(importId);
    this.set({ importId, phase: 'done', done: result.imported, total: result.imported, startedAt: prev?.startedAt ?? new Date().toISOString(), endedAt: new Date().toISOString(), result });
  }

  fail(importId: string, message: string): void {
    const prev = this.imports.get(importId);
    this.set({ importId, phase: 'failed', done: prev?.done ?? 0, total: prev?.total ?? 0, startedAt: prev?.startedAt ?? new Date().toISOString(), endedAt: new Date().toISOString(), message });
  }

  get(importId: string): Status | undefined {
    return this.imports.get(importId);
  }

  private set(s: Status): void {
    this.imports.delete(s.importId);
    this.imports.set(s.importId, s);
    while (this.imports.size > KEEP) this.imports.delete(this.imports.keys().next().value as string);
  }
}
