/**
 * A patient's chart as the API shows it: every record this node can read, newest first, with its
 * labels and their reasons (re-derived from the resource, plus what the chain says beyond that).
 */
import type { ChartResource, ChartSummary } from '../../src-shared/api';
import type { LabelsBody } from '../ledger/rules/hospital';
import { cachedRow, chartEntry, forgetRecord, keepRow, type ChartEntry, type EntryKey } from '../emr/chart/cache';
import { labelsWithReasons, makeEntry } from '../emr/chart/entry';
import { deriveSummary } from '../emr/chart/summary';
import { recordHead } from '../ledger/rules/hospital';
import { toHex } from '../codec/hex';
import { getMember } from '../ledger/rules/members';
import type { TrichainNode } from '../node/node';
import type { Category } from '../emr/labels';
import { myRecords, readMyRecord } from '../emr/patient-view';
import { patientRecordIds, readRecord, recordInfo, RecordUnavailable, type FhirResource } from '../emr/records';

/** A record's entry from the chart cache (decrypted, classified and described once per version). */
const entryOf = (node: TrichainNode, key: EntryKey, chainLabels: LabelsBody | null, read: () => FhirResource): ChartEntry =>
  chartEntry(node, key, () => makeEntry(read(), chainLabels));

type ChainLabels = { category: string; sensitivity: string[]; confidentiality: string };

/** The chart row of one record on the hospital chain (null: erased, or not on the chain), made once per version. */
function clinicianRow(node: TrichainNode, recordId: string, orgNames: Map<string, string>): ChartResource | null {
  const hospital = node.ledger.state('hospital');
  const head = recordHead(hospital, recordId);
  if (!head) return null;
  if (head.erased) {
    forgetRecord(node, recordId); // erased on another node: its plaintext leaves this one's memory too
    return null;
  }
  // A version never changes on the chain: its row, once made, is kept with its entry.
  const kept = cachedRow(node, recordId, head.version);
  if (kept) return { ...kept };
  const info = recordInfo(node, recordId);
  const orgHex = toHex(info.org);
  let org = orgNames.get(orgHex);
  if (org === undefined) orgNames.set(orgHex, (org = getMember(hospital, info.org)?.name ?? orgHex.slice(0, 12)));
  const contentHash = toHex(info.meta.contentHash);
  let entry: ChartEntry | null = null;
  let unavailable = 'encrypted: no key for this organization';
  try {
    entry = entryOf(node, { recordId, version: info.version, contentHash }, info.labels, () => readRecord(node, recordId).resource);
  } catch (e) {
    // another hospital's record without a key for us (metadata only), or its content is being fetched again
    if (e instanceof RecordUnavailable) unavailable = e.message;
  }
  const row: ChartResource = {
    id: recordId, resourceType: info.resourceType, date: entry?.date,
    title: entry ? entry.title : `${info.resourceType} (held by ${org})`,
    summary: entry ? `${info.resourceType}${typeof entry.resource.status === 'string' ? ` · ${entry.resource.status}` : ''}` : unavailable,
    author: { organization: org }, labels: entry ? entry.labels : labelsWithReasons(info.labels, null), version: info.version,
    amendedFrom: info.version > 1 ? `${recordId}@v${info.version - 1}` : undefined, contentHash,
    chain: 'hospital', txId: toHex(info.meta.tx), pending: false, resource: entry?.resource, facts: entry?.facts,
  };
  if (entry) keepRow(node, row);
  return { ...row };
}

export const chartOfClinician = (node: TrichainNode, pk: Uint8Array): ChartResource[] => {
  const out: ChartResource[] = [];
  const ids = patientRecordIds(node, pk);
  const orgNames = new Map<string, string>();
  for (const recordId of ids) {
    const row = clinicianRow(node, recordId, orgNames);
    if (row) out.push(row);
  }
  out.push(...pendingRecords(node, pk, new Set(ids), new Map(out.map((r) => [r.id, r]))));
  return out.sort(newestFirst);
};

/** One record as a clinician reads it (with its FHIR resource, when this organization may read it); null when not on the chain. */
export const recordOfClinician = (node: TrichainNode, recordId: string): ChartResource | null => clinicianRow(node, recordId, new Map());

/** A chart row as a page of the timeline carries it: its card facts and labels, not the FHIR resource (records.get reads that). */
export const slimRow = (r: ChartResource): ChartResource => {
  const row = { ...r };
  delete row.resource;
  return row;
};

/** What a card shows in words, lower-cased: what "find in timeline" looks in. */
const cardText = (r: ChartResource): string =>
  [r.title, r.summary, r.resourceType, r.date, r.author.organization, r.author.name, ...(r.facts?.lines ?? []), r.facts?.note, ...(r.facts?.values ?? []).flatMap((v) => [v.name, v.text])]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();

/** The records whose card holds every word of `find` (case-insensitive); all when it has none. */
export function findInChart(all: ChartResource[], find: string | undefined): ChartResource[] {
  const words = (find ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return all;
  return all.filter((r) => {
    const text = cardText(r);
    return words.every((w) => text.includes(w));
  });
}

/**
 * A page of the timeline: `limit` rows from `offset` (all when no limit) of the records `find`
 * matches (./findInChart), slim, with the whole's total and organizations and how many matched.
 */
export const chartPage = (all: ChartResource[], i: { offset?: number; limit?: number; find?: string }) => {
  const offset = i.offset ?? 0;
  const found = findInChart(all, i.find);
  return {
    total: all.length, matched: found.length, organizations: [...new Set(all.map((r) => r.author.organization))], offset,
    resources: found.slice(offset, i.limit === undefined ? undefined : offset + i.limit).map(slimRow),
  };
};

/** Newest first; undated records last (never stamped with the day they were stored). */
const newestFirst = (a: ChartResource, b: ChartResource) => (b.date ?? '').localeCompare(a.date ?? '');

/** The summary a clinician reads first, from the chart's readable records. */
export const chartSummary = (resources: ChartResource[]): ChartSummary =>
  deriveSummary(resources.filter((r) => r.resource && r.facts && !r.pending).map((r) => ({ recordId: r.id, resource: r.resource as FhirResource, facts: r.facts!, date: r.date })));

/**
 * Records this node wrote that its chain has not committed yet (offline, or waiting for the
 * validator): new ones from the local index, shown pending; a pending amendment marks its record.
 */
function pendingRecords(node: TrichainNode, pk: Uint8Array, chainIds: Set<string>, onChain: Map<string, ChartResource>): ChartResource[] {
  const rows = node.db.prepare('SELECT record_id, resource_type, version, effective, summary FROM emr_records WHERE patient_pk = ?').all(pk) as { record_id: string; resource_type: string; version: number; effective: string | null; summary: string }[];
  const out: ChartResource[] = [];
  // The labels each new one was signed with, from its anchor waiting in the offline queue (read once, if any).
  let signed: Map<string, ChainLabels> | null = null;
  const signedLabels = (recordId: string): ChainLabels | null => {
    signed ??= new Map((['pending', 'submitted'] as const).flatMap((status) => node.outboxTxs(status)).flatMap((e) => {
      const anchored = e.tx.type === 'record.anchor' ? [e.tx.body] : e.tx.type === 'record.anchorBatch' ? (e.tx.body.entries as unknown as object[]) : [];
      return (anchored as { recordId: string; labels: ChainLabels }[]).map((b) => [String(b.recordId), b.labels] as const);
    }));
    return signed.get(recordId) ?? null;
  };
  for (const r of rows) {
    const committed = onChain.get(r.record_id);
    if (committed && r.version > committed.version) committed.pending = true;
    if (chainIds.has(r.record_id)) continue;
    out.push({
      id: r.record_id, resourceType: r.resource_type, date: r.effective ?? undefined, title: r.summary, summary: `${r.resource_type} · signed here, not yet on the chain`,
      author: { organization: node.config.name }, labels: labelsWithReasons(signedLabels(r.record_id), null), version: r.version,
      contentHash: '', chain: 'hospital', pending: true,
    });
  }
  return out;
}

export const chartOfPatient = (node: TrichainNode): ChartResource[] =>
  myRecords(node)
    .filter((r) => r.available)
    .map((r): ChartResource => {
      const contentHash = toHex(r.link.contentHash);
      const e = entryOf(node, { recordId: r.link.recordId, version: r.link.version, contentHash }, null, () => readMyRecord(node, r.link));
      return {
        id: r.link.recordId, resourceType: r.link.resourceType, date: e.date, title: e.title,
        summary: r.link.resourceType, author: { organization: r.orgName }, labels: { ...e.labels, category: (r.link.category as Category) ?? e.labels.category },
        version: r.link.version, contentHash, chain: 'patient' as const, txId: toHex(r.link.anchorTx), pending: false, resource: e.resource, facts: e.facts,
      };
    })
    .sort(newestFirst);
