/**
 * A chart's decrypted, classified entries kept per record version, so that opening a chart again
 * decrypts and classifies only what changed since (issue 11: a chart of 1,000 resources in
 * ≤ 200 ms). Keyed by the reader (a node), the record id, its version and its anchored content
 * hash: an amendment is a new version and misses; `forgetRecord` drops a record at once (amended
 * or erased here: crypto-shredding also forgets the plaintext held in memory). Bounded: past
 * MAX_ENTRIES per reader, the entries stored first go first.
 */
import type { CardFacts } from '../../../src-shared/api/chart';
import type { FhirResource } from '../../../src-shared/vocabulary';
import type { Labels } from '../labels';

export interface ChartEntry {
  resource: FhirResource;
  labels: Labels;
  facts: CardFacts;
  title: string;
  /** The clinical date (from the type's own element); undefined when undated. */
  date?: string;
}

interface Stored extends ChartEntry {
  version: number;
  contentHash: string;
}

export const MAX_ENTRIES = 20_000;
const caches = new WeakMap<object, Map<string, Stored>>();
let counters = { hits: 0, misses: 0 };

/** The entry of this record version, made by `make` (decrypt, classify, derive) only on a miss. */
export function chartEntry(reader: object, key: { recordId: string; version: number; contentHash: string }, make: () => ChartEntry): ChartEntry {
  let cache = caches.get(reader);
  if (!cache) caches.set(reader, (cache = new Map()));
  const hit = cache.get(key.recordId);
  if (hit && hit.version === key.version && hit.contentHash === key.contentHash) {
    counters.hits++;
    return hit;
  }
  counters.misses++;
  const entry = make();
  cache.delete(key.recordId);
  cache.set(key.recordId, { ...entry, version: key.version, contentHash: key.contentHash });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return entry;
}

/** Drops a record's entry (after an amendment or an erasure on this node). */
export function forgetRecord(reader: object, recordId: string): void {
  caches.get(reader)?.delete(recordId);
}

/** Drops everything this reader holds (a bench's cold path; a node that closes). */
export function forgetAll(reader: object): void {
  caches.delete(reader);
}

/** Hits and misses since the last call (tests and the bench read them). */
export function takeCacheCounters(): { hits: number; misses: number } {
  const c = counters;
  counters = { hits: 0, misses: 0 };
  return c;
}
