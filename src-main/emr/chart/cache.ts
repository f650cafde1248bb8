/**
 * A chart's decrypted, classified entries kept per record version, so that opening a chart again
 * decrypts and classifies only what changed since (issue 11: a chart of 1,000 resources in
 * ≤ 200 ms). Keyed by the reader (a node), the record id, its version and its anchored content
 * hash: an amendment is a new version and misses. A record this node stores is put in as it is
 * stored (the node has its plaintext then), so a chart opens warm after an import; `forgetRecord`
 * drops a record at once (amended or erased here: crypto-shredding also forgets the plaintext
 * held in memory). In memory only (plaintext never goes to disk), so the first open after a
 * restart decrypts once. Bounded: past MAX_ENTRIES per reader, the entries stored first go first.
 */
import type { CardFacts, ChartResource } from '../../../src-shared/api';
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
  /** The chart row made from this version and the chain's record of it (a version never changes on the chain). */
  row?: ChartResource;
}

export interface EntryKey {
  recordId: string;
  version: number;
  contentHash: string;
}

export const MAX_ENTRIES = 20_000;
const caches = new WeakMap<object, Map<string, Stored>>();
let counters = { hits: 0, misses: 0 };

function cacheOf(reader: object): Map<string, Stored> {
  let cache = caches.get(reader);
  if (!cache) caches.set(reader, (cache = new Map()));
  return cache;
}

function put(reader: object, key: EntryKey, entry: ChartEntry): void {
  const cache = cacheOf(reader);
  cache.delete(key.recordId);
  cache.set(key.recordId, { ...entry, version: key.version, contentHash: key.contentHash });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
}

/** The entry of this record version, made by `make` (decrypt, classify, derive) only on a miss. */
export function chartEntry(reader: object, key: EntryKey, make: () => ChartEntry): ChartEntry {
  const hit = caches.get(reader)?.get(key.recordId);
  if (hit && hit.version === key.version && hit.contentHash === key.contentHash) {
    counters.hits++;
    return hit;
  }
  counters.misses++;
  const entry = make();
  put(reader, key, entry);
  return entry;
}

/** Puts the entry of a version this reader has just stored (it holds the plaintext). */
export function seedEntry(reader: object, key: EntryKey, entry: ChartEntry): void {
  put(reader, key, entry);
}

/** Whether this reader holds the entry of this record version. */
export function holdsEntry(reader: object, key: EntryKey): boolean {
  const hit = caches.get(reader)?.get(key.recordId);
  return !!hit && hit.version === key.version && hit.contentHash === key.contentHash;
}

/** How many entries this reader holds (at most MAX_ENTRIES). */
export function entryCount(reader: object): number {
  return caches.get(reader)?.size ?? 0;
}

/** The chart row kept for this record version, if any (read before the chain's metadata is). */
export function cachedRow(reader: object, recordId: string, version: number): ChartResource | undefined {
  const hit = caches.get(reader)?.get(recordId);
  if (!hit?.row || hit.version !== version) return undefined;
  counters.hits++;
  return hit.row;
}

/** Keeps the chart row made from this version's entry. */
export function keepRow(reader: object, row: ChartResource): void {
  const hit = caches.get(reader)?.get(row.id);
  if (hit && hit.version === row.version && hit.contentHash === row.contentHash) hit.row = row;
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
