/**
 * A patient's chart as the API shows it: every record this node can read, newest first, with its
 * labels and their reasons (re-derived from the resource, plus what the chain says beyond that).
 */
import type { ChartResource } from '../../src-shared/api';
import { toHex } from '../codec/hex';
import { getMember } from '../ledger/rules/members';
import type { TrichainNode } from '../node/node';
import { classifyResource } from '../emr/classify/index';
import type { Category, Labels, SensitivityCode } from '../emr/labels';
import { myRecords, readMyRecord } from '../emr/patient-view';
import { effectiveDate, patientRecordIds, readRecord, recordInfo, RecordUnavailable, summarize, type FhirResource } from '../emr/records';
import { iso } from './views';

export const labelsWithReasons = (chainLabels: { category: string; sensitivity: string[]; confidentiality: string } | null, resource: FhirResource | null): Labels => {
  const fresh = resource ? classifyResource(resource) : null;
  const base: Labels = fresh ?? { category: 'other', sensitivity: [], confidentiality: 'N', reasons: [] };
  if (!chainLabels) return base;
  // Labels on the chain that this resource alone does not explain were given when it was stored (from a
  // record it refers to in its bundle, or raised by a clinician): say so rather than guess which.
  const sameConf = chainLabels.confidentiality === base.confidentiality;
  const reasons = base.reasons.filter((r) => sameConf || !/^(?:default|confidentiality-)/.test(r.rule));
  for (const s of chainLabels.sensitivity) if (!base.sensitivity.includes(s as SensitivityCode)) reasons.push({ label: s, rule: 'stored-label' });
  if (!sameConf) reasons.push({ label: chainLabels.confidentiality, rule: 'stored-label' });
  return { category: chainLabels.category as Category, sensitivity: chainLabels.sensitivity as SensitivityCode[], confidentiality: chainLabels.confidentiality as Labels['confidentiality'], reasons };
};

export const chartOfClinician = (node: TrichainNode, pk: Uint8Array): ChartResource[] => {
  const out: ChartResource[] = [];
  const ids = patientRecordIds(node, pk);
  for (const recordId of ids) {
    const info = recordInfo(node, recordId);
    if (info.erased) continue;
    let resource: FhirResource | null = null;
    let unavailable = 'encrypted: no key for this organization';
    try {
      resource = readRecord(node, recordId).resource;
    } catch (e) {
      // another hospital's record without a key for us (metadata only), or its content is being fetched again
      if (e instanceof RecordUnavailable) unavailable = e.message;
    }
    const org = getMember(node.ledger.state('hospital'), info.org)?.name ?? toHex(info.org).slice(0, 12);
    out.push({
      id: recordId, resourceType: info.resourceType, date: (resource && effectiveDate(resource)) ?? iso(info.meta.time),
      title: resource ? summarize(resource) : `${info.resourceType} (held by ${org})`,
      summary: resource ? `${info.resourceType}${typeof resource.status === 'string' ? ` · ${resource.status}` : ''}` : unavailable,
      author: { organization: org }, labels: labelsWithReasons(info.labels, resource), version: info.version,
      amendedFrom: info.version > 1 ? `${recordId}@v${info.version - 1}` : undefined, contentHash: toHex(info.meta.contentHash),
      chain: 'hospital', txId: toHex(info.meta.tx), pending: false, resource: resource ?? undefined,
    });
  }
  out.push(...pendingRecords(node, pk, new Set(ids), new Map(out.map((r) => [r.id, r]))));
  return out.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
};

/**
 * Records this node wrote that its chain has not committed yet (offline, or waiting for the
 * validator): new ones from the local index, shown pending; a pending amendment marks its record.
 */
function pendingRecords(node: TrichainNode, pk: Uint8Array, chainIds: Set<string>, onChain: Map<string, ChartResource>): ChartResource[] {
  const rows = node.db.prepare('SELECT record_id, resource_type, version, effective, summary FROM emr_records WHERE patient_pk = ?').all(pk) as { record_id: string; resource_type: string; version: number; effective: string | null; summary: string }[];
  const out: ChartResource[] = [];
  for (const r of rows) {
    const committed = onChain.get(r.record_id);
    if (committed && r.version > committed.version) committed.pending = true;
    if (chainIds.has(r.record_id)) continue;
    out.push({
      id: r.record_id, resourceType: r.resource_type, date: r.effective ?? undefined, title: r.summary, summary: `${r.resource_type} · signed here, not yet on the chain`,
      author: { organization: node.config.name }, labels: { category: 'other', sensitivity: [], confidentiality: 'N', reasons: [] }, version: r.version,
      contentHash: '', chain: 'hospital', pending: true,
    });
  }
  return out;
}

export const chartOfPatient = (node: TrichainNode): ChartResource[] =>
  myRecords(node)
    .filter((r) => r.available)
    .map((r) => {
      const resource = readMyRecord(node, r.link);
      const labels = classifyResource(resource);
      return {
        id: r.link.recordId, resourceType: r.link.resourceType, date: effectiveDate(resource) ?? iso(r.link.time), title: summarize(resource),
        summary: r.link.resourceType, author: { organization: r.orgName }, labels: { ...labels, category: (r.link.category as Category) ?? labels.category },
        version: r.link.version, contentHash: toHex(r.link.contentHash), chain: 'patient' as const, txId: toHex(r.link.anchorTx), pending: false, resource,
      };
    })
    .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
