/**
 * What every way of storing a record shares (emr/records.ts one record, emr/store-batch.ts a batch):
 * the record id an organization gives a FHIR resource, its labels as the chain stores them, and
 * the node's local index row (emr_records) that lists a patient's records before they commit.
 */
import type { Statement } from 'better-sqlite3';
import { toHex } from '../codec/hex';
import type { LabelsBody } from '../ledger/rules/hospital';
import type { TrichainNode } from '../node/node';
import type { FhirResource } from '../../src-shared/vocabulary';
import { clinicalDate } from './chart/fhir-read';
import { titleOf } from './chart/facts';
import { RULES_VERSION } from './classify/index';
import type { Labels } from './labels';

export class RecordError extends Error {}

export interface StoreResult {
  recordId: string;
  version: number;
  anchorTx: Uint8Array;
}

export const recordIdFor = (orgPk: Uint8Array, r: { resourceType: string; id?: string }): string => {
  if (!r.id || !/^[A-Za-z0-9.-]{1,64}$/.test(r.id)) throw new RecordError(`${r.resourceType} has no valid FHIR id`);
  return `${toHex(orgPk).slice(0, 12)}.${r.resourceType}.${r.id}`;
};

export const toLabelsBody = (l: Labels): LabelsBody => ({ category: l.category, sensitivity: [...l.sensitivity], confidentiality: l.confidentiality, rulesVersion: RULES_VERSION });

/** The clinical date of a resource (when it happened, from the element its type defines), for timelines and request periods; null when undated. */
export function effectiveDate(r: FhirResource): string | null {
  return clinicalDate(r)?.date ?? null;
}

/** One line a clinician recognises: the concept in words (a goal's description), else the resource type. */
export const summarize = (r: FhirResource): string => titleOf(r);

export function requireHospital(node: TrichainNode): void {
  if (node.config.role !== 'hospital') throw new RecordError('only a hospital node writes records');
}

/** The index row statement, prepared once per database (an import writes one row per record). */
const indexStatements = new WeakMap<TrichainNode['db'], Statement>();

/** The local index row of a record version (inside the act that stores it). */
export function indexRecord(node: TrichainNode, recordId: string, patient: Uint8Array, resource: FhirResource, version: number): void {
  let put = indexStatements.get(node.db);
  if (!put) {
    put = node.db.prepare('INSERT INTO emr_records (record_id, patient_pk, resource_type, version, effective, summary) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO UPDATE SET version = excluded.version, effective = excluded.effective, summary = excluded.summary');
    indexStatements.set(node.db, put);
  }
  put.run(recordId, patient, resource.resourceType, version, effectiveDate(resource), summarize(resource));
}
