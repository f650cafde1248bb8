/**
 * The records area (src-shared/api/records.ts): finding patients, reading a chart (an access the
 * patient sees in their audit trail), an import's progress, and (signed) adding, amending and
 * importing FHIR records.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../../src-shared/api';
import { toHex } from '../../codec/hex';
import { getMember } from '../../ledger/rules/members';
import { classifyResource, raiseLabels } from '../../emr/classify/index';
import { findPatient, listPatients } from '../../emr/patients';
import { amendRecord, importBundle, recordInfo, storeRecord, toLabelsBody, type FhirResource } from '../../emr/records';
import { assertMayAmend, consentStatusFor, consentsNaming, pseudonymousLabel } from '../checks';
import { chartOfClinician, chartOfPatient, chartPage, chartSummary, recordOfClinician } from '../charts';
import { noteChartOpened } from '../chart-warm';
import { pkOf, wrapTx, type AppSession } from '../session';
import { patientSummary } from '../summaries';
import type { Handlers, SignedHandlers } from './types';
import type { TrichainNode } from '../../node/node';
import { auditImport, mirrorAudit } from '../../emr/audit';

/** Mirrors an act on a patient's records into their audit trail (emr/audit.ts); auditing must not block care. */
function logForPatient(me: TrichainNode, pk: Uint8Array, kind: string, detail: Record<string, string | number>): boolean {
  try {
    return mirrorAudit(me, pk, kind, detail);
  } catch {
    return false; // the failure is visible as no entry
  }
}

export function recordsHandlers(s: AppSession): Handlers<'patients.search' | 'patients.chart' | 'records.get' | 'imports.status'> {
  /** The sign-in in which each (clinician node, patient) chart view was last written to the audit trail. */
  const chartViewsLogged = new Map<string, string>();
  return {
    async 'patients.search'(i) {
      const node = s.current().node;
      const q = i.query.trim().toLowerCase();
      if (node.config.role === 'patient') return { patients: [patientSummary(s, node, node.identity.blsPublicKey, node.config.name)] };
      if (node.config.role === 'entity') {
        // An entity sees patients only as pseudonymous keys that have a consent naming it or its kind.
        // Its status is that of the consents naming it: 'revoked' once every one is revoked or expired.
        const st = s.holder('patient')?.ledger.state('patient');
        const kind = node.config.kind;
        const seen = new Map<string, ReturnType<typeof patientSummary>>();
        for (const [, v] of st?.scan('consent/') ?? []) {
          const c = v as unknown as { patient: Uint8Array; grantee: { entity?: Uint8Array; kind?: string } };
          if ((c.grantee.entity && toHex(c.grantee.entity) === node.publicKeyHex) || c.grantee.kind === kind) {
            const id = toHex(c.patient);
            seen.set(id, { id, name: pseudonymousLabel(id), birthDate: undefined, recordCount: 0, consentStatus: consentStatusFor(consentsNaming(st!, c.patient, node)) });
          }
        }
        return { patients: [...seen.values()].filter((p) => !q || p.id.includes(q) || p.name.toLowerCase().includes(q)).slice(0, i.limit) };
      }
      return { patients: listPatients(node, q).slice(0, i.limit).map((p) => patientSummary(s, node, p.pk, p.display, p.birthYear)) };
    },
    async 'patients.chart'(i) {
      const node = s.current().node;
      if (node.config.role === 'patient') {
        const resources = chartOfPatient(node);
        return { patient: patientSummary(s, node, node.identity.blsPublicKey, node.config.name), summary: chartSummary(resources), ...chartPage(resources, i) };
      }
      const me = s.nodeAs('clinician');
      if (!i.patientId) throw new ApiError('BAD_REQUEST', 'which patient? (patientId)');
      const pk = pkOf(i.patientId);
      const resources = chartOfClinician(me, pk);
      noteChartOpened(me, pk); // warmed first after a restart (../chart-warm.ts)
      const viewKey = `${me.publicKeyHex}:${toHex(pk)}`;
      if (chartViewsLogged.get(viewKey) !== s.signIn) {
        // Opening a chart is an access the patient sees in their audit trail: one entry per sign-in
        // (each app start, and each time a role becomes active) that opens it. Not one per answer:
        // an open chart reloads on each new block, and a logged view commits a block.
        if (logForPatient(me, pk, 'chart.viewed', { organization: me.config.name, resources: resources.length })) chartViewsLogged.set(viewKey, s.signIn);
      }
      return { patient: patientSummary(s, me, pk), summary: chartSummary(resources), ...chartPage(resources, i) };
    },
    async 'records.get'(i) {
      const node = s.current().node;
      if (node.config.role === 'patient') {
        const record = chartOfPatient(node).find((r) => r.id === i.recordId);
        if (!record) throw new ApiError('NOT_FOUND', `no record ${i.recordId} of yours on this device`);
        return { record };
      }
      const me = s.nodeAs('clinician');
      const record = recordOfClinician(me, i.recordId);
      if (!record) throw new ApiError('NOT_FOUND', `no record ${i.recordId} on the hospital chain`);
      return { record };
    },
    async 'imports.status'(i) {
      const st = s.imports.get(i.importId);
      if (!st) throw new ApiError('NOT_FOUND', `no import ${i.importId} since the app started`);
      return st;
    },
  };
}

export function recordsSigned(s: AppSession): SignedHandlers<'records.add' | 'records.amend' | 'records.import'> {
  return {
    'records.add': {
      summary: (i, who) => ({
        who, what: `Add a ${i.resource.resourceType} to ${s.patientName(pkOf(i.patientId)) ?? 'the patient'}'s record (encrypted; content hash anchored)`, chain: ['hospital', 'patient'],
        details: i.raise?.sensitivity?.length ? [{ label: 'Raised labels', value: i.raise.sensitivity.join(', ') }] : [],
      }),
      async run(i) {
        const node = s.nodeAs('clinician');
        const pk = pkOf(i.patientId);
        // An enrolled patient (their key on the patient chain), or one registered here who has not
        // enrolled yet (a provisional id: the record is wrapped for this organization only).
        const m = getMember(node.ledger.state('patient'), pk);
        const local = findPatient(node, pk);
        if ((!m || m.role !== 'patient') && !local) throw new ApiError('NOT_FOUND', 'no such patient at this hospital or on the patient chain');
        const x25519 = m?.role === 'patient' ? m.x25519Pk : null;
        const resource = { ...i.resource, id: (i.resource as { id?: string }).id ?? `rec-${randomBytes(8).toString('hex')}` } as FhirResource;
        let labels = classifyResource(resource);
        if (i.raise && (i.raise.sensitivity?.length || i.raise.confidentiality)) labels = raiseLabels(labels, { sensitivity: i.raise.sensitivity, confidentiality: i.raise.confidentiality }, node.config.name);
        const r = wrapTx(() => storeRecord(node, { resource, labels: toLabelsBody(labels), patient: { pk, x25519 } }));
        logForPatient(node, pk, 'record.added', { organization: node.config.name, resourceType: resource.resourceType });
        return { record: chartOfClinician(node, pk).find((x) => x.id === r.recordId)! };
      },
    },
    'records.amend': {
      summary: (i, who) => ({ who, what: `Amend ${i.recordId}: a new version; the old one stays on the chain`, chain: ['hospital', 'patient'], details: [{ label: 'Reason', value: i.reason }] }),
      async run(i) {
        const node = s.nodeAs('clinician');
        assertMayAmend(node, i.recordId);
        const r = wrapTx(() => amendRecord(node, i.recordId, i.resource as FhirResource, i.raise ? { sensitivity: i.raise.sensitivity, confidentiality: i.raise.confidentiality } : undefined));
        const patient = recordInfo(node, r.recordId).patient;
        logForPatient(node, patient, 'record.amended', { organization: node.config.name, resourceType: i.resource.resourceType, version: r.version });
        const shown = chartOfClinician(node, patient).find((x) => x.id === r.recordId)!;
        // Answered at once: the new version, pending until its block commits.
        return { record: shown.version < r.version ? { ...shown, version: r.version, pending: true } : shown };
      },
    },
    'records.import': {
      summary: (i, who) => ({ who, what: `Import a FHIR bundle (${Math.round(i.bundle.length / 1024)} KB): classify, encrypt and anchor every resource`, chain: ['hospital', 'patient'], details: [] }),
      async run(i) {
        const node = s.nodeAs('clinician');
        let bundle: unknown;
        try {
          bundle = JSON.parse(i.bundle);
        } catch (e) {
          throw new ApiError('BAD_REQUEST', `the file is not JSON: ${(e as Error).message}`);
        }
        s.emit({ type: 'import.progress', payload: { importId: i.importId, phase: 'parsing', done: 0, total: 0 } });
        try {
          const r = await importBundle(node, bundle, { onProgress: (p) => s.emit({ type: 'import.progress', payload: { importId: i.importId, phase: 'anchoring', done: p.done, total: p.total, message: p.patient } }) });
          auditImport(node, r);
          const result = { importId: i.importId, imported: r.records, skipped: r.skipped, patientIds: r.patients.map((p) => toHex(p.pk)), warnings: r.sensitive ? [`${r.sensitive} resources carry sensitivity labels`] : [] };
          s.imports.finish(i.importId, result);
          s.emit({ type: 'import.progress', payload: { importId: i.importId, phase: 'done', done: r.records, total: r.records } });
          return result;
        } catch (e) {
          s.emit({ type: 'import.progress', payload: { importId: i.importId, phase: 'failed', done: 0, total: 0, message: (e as Error).message } });
          s.imports.fail(i.importId, (e as Error).message);
          throw new ApiError('BAD_REQUEST', (e as Error).message);
        }
      },
    },
  };
}
