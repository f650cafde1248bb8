/**
 * The node engine behind the UI: implements the API contract (src-shared/api.ts) on Trichain
 * nodes. It runs outside the renderer (in the browser host's process, which Electron spawns as a
 * separate Node process), so heavy work never blocks the window, and secret keys never cross the
 * contract: every signed action goes through SignDesk (prepare → summary → confirm).
 *
 * A session is either the demo consortium (five real nodes, one per role, switchable) or this
 * machine's own node in `<data>/node`. On a first run with an empty data folder the demo starts
 * (unless TRICHAIN_NO_DEMO=1), as trainers expect from `npm start`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ApiError, purposeLabel, type ApiHandlers, type ApiOutput, type ChartResource, type RoleSession, type SignAction, type SignSummary, type TrichainEvent } from '../../src-shared/api';
import { fromHex, toHex, utf8 } from '../codec/hex';
import { getMember } from '../ledger/rules/members';
import { requestOf } from '../ledger/rules/social';
import { ownerOfGranteeKey } from '../ledger/rules/patient';
import { recoveryPhrase } from '../crypto/keystore';
import { makeEnrolmentRequest } from '../emr/enrol';
import { CHAINS, type ChainId } from '../ledger/types';
import { quorum } from '../ledger/certificate';
import { TrichainNode } from '../node/node';
import { TxRejected } from '../ledger/rules/types';
import { patientAudit } from '../emr/audit';
import { classifyResource, raiseLabels } from '../emr/classify/index';
import { grantConsent, listConsents, revokeConsent } from '../emr/consent';
import { PURPOSES, PURPOSE_CODES, isPurpose } from '../../src-shared/vocabulary';
import type { Category, Labels, SensitivityCode } from '../emr/labels';
import { myRecords, readMyRecord } from '../emr/patient-view';
import { findPatient, listPatients } from '../emr/patients';
import { amendRecord, effectiveDate, importBundle, patientRecordIds, readRecord, recordInfo, RecordUnavailable, storeRecord, summarize, toLabelsBody, type FhirResource } from '../emr/records';
import { fileShareRequest, myRequests, openPackage, packageFileOf, trustOf, verifyPackageAs } from '../emr/share/entity';
import { finalizeProof, verifyCrossChainProof } from '../emr/share/proof';
import { continueShares, previewShare, processShareRequest } from '../emr/share/provider';
import { acceptInvite, localGenesisHex } from '../node/join';
import { SignDesk } from './signing';
import { ImportTracker } from './imports';
import { answerSummary, assertMayAmend, assertRequestable, consentStatusFor, consentsNaming, precheck, pseudonymousLabel } from './checks';
import { auditView, blockDetail, blockSummary, consentView, day, entityRefs, identityView, iso, requestView, uiRole } from './views';

export interface ServiceOptions {
  dataDir: string;
  emit: (event: TrichainEvent) => void;
}

export type Service = ApiHandlers & { close(): Promise<void> };

interface RoleEntry {
  session: RoleSession;
  node: TrichainNode;
}

interface DemoHandle {
  nodes: Record<string, TrichainNode>;
  /** Resolves once pending transactions have reached the validator and blocks are back everywhere. */
  settle?(): Promise<void>;
  close(): Promise<void>;
}

const VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/** Accepts a PurposeOfUse code ("HRESCH") or its words ("research"). */
export function purposeCode(p: string): string {
  const t = p.trim();
  const code = t.split(/[\s(]/)[0].toUpperCase();
  if (isPurpose(code)) return code;
  const lower = t.toLowerCase();
  const hit = Object.entries(PURPOSES).find(([, d]) => lower.includes(d) || d.includes(lower));
  if (hit) return hit[0];
  if (/research/.test(lower)) return 'HRESCH';
  if (/pay|claim|insur/.test(lower)) return 'HPAYMT';
  if (/treat|care/.test(lower)) return 'TREAT';
  if (/public/.test(lower)) return 'PUBHLTH';
  throw new ApiError('BAD_REQUEST', `unknown purpose "${p}": use one of ${PURPOSE_CODES.join(', ')}`);
}

/** Chart views of one patient by one organization within this window are one audit entry. */
const CHART_VIEW_COALESCE_MS = 5 * 60_000;

const dateMs = (d: string, endOfDay = false) => Date.parse(`${d}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z`);

export async function createService(opts: ServiceOptions): Promise<Service> {
  const { dataDir } = opts;
  const imports = new ImportTracker();
  const emit = (e: TrichainEvent) => {
    imports.observe(e);
    opts.emit(e);
  };
  const desk = new SignDesk();
  const roles = new Map<string, RoleEntry>();
  let active: string | null = null;
  let demo: DemoHandle | null = null;
  let demoStage: string | undefined;
  let demoStarting: Promise<void> | null = null;
  const verified = new Map<string, 'verified' | 'failed'>();
  /** When each (clinician node, patient) chart view was last written to the audit trail. */
  const chartViewsLogged = new Map<string, number>();
  const ownDir = join(dataDir, 'node');
  const demoDir = join(dataDir, 'demo');

  const watch = (node: TrichainNode) => {
    node.on('block', (e: { chain: ChainId; height: number; txs?: number }) => {
      try {
        emit({ type: 'chain.updated', payload: { chain: e.chain, height: e.height, headHash: toHex(node.ledger.head(e.chain).hash), txCount: e.txs } });
      } catch {
        /* a closed node */
      }
    });
  };

  const addRole = (id: string, label: string, node: TrichainNode) => {
    roles.set(id, { node, session: { id, label, role: uiRole(node), displayName: node.config.name, organization: node.config.role === 'patient' ? undefined : node.config.name } });
    watch(node);
    active ??= id;
  };

  // ---- session bootstrapping -----------------------------------------------------------------

  const unlockSecret = (): string => {
    if (process.env.TRICHAIN_KEYSTORE_UNLOCK) return process.env.TRICHAIN_KEYSTORE_UNLOCK;
    if (process.env.TRICHAIN_PASSPHRASE) return process.env.TRICHAIN_PASSPHRASE;
    // Without an OS key store the browser host keeps the unlock secret beside the keystore (0600).
    const f = join(dataDir, 'unlock-secret');
    if (!existsSync(f)) writeFileSync(f, randomBytes(32).toString('hex'), { mode: 0o600 });
    return readFileSync(f, 'utf8').trim();
  };

  const startDemo = async () => {
    if (demo) return;
    demoStarting ??= (async () => {
      demoStage = 'starting';
      const { startDemo: start, DEMO_ROLES, DEMO_ROLE_ORDER } = await import('./demo');
      const d = await start(demoDir, { onProgress: (step: string) => (demoStage = step) });
      demo = d as unknown as DemoHandle;
      // The switcher lists the roles in the demo's order, whether it was just built or reopened.
      for (const id of DEMO_ROLE_ORDER) addRole(id, DEMO_ROLES[id].label, d.nodes[id]);
      demoStage = 'ready';
    })().finally(() => (demoStarting = null));
    await demoStarting;
  };

  if (existsSync(join(demoDir, 'demo.json'))) await startDemo();
  else if (existsSync(join(ownDir, 'identity.json'))) addRole('self', 'This node', await TrichainNode.open(ownDir, { passphrase: unlockSecret() }));
  else if (process.env.TRICHAIN_NO_DEMO !== '1') void startDemo().catch((e) => (demoStage = `failed: ${(e as Error).message}`));

  // ---- helpers -------------------------------------------------------------------------------

  const current = (): RoleEntry => {
    const r = active ? roles.get(active) : undefined;
    if (!r) throw new ApiError('NOT_INITIALIZED', demoStage && demoStage !== 'ready' ? `the demo is still starting (${demoStage})` : 'no identity yet: create one, join a network, or start the demo');
    return r;
  };
  const nodeAs = (role: 'clinician' | 'patient' | 'entity') => {
    const { node } = current();
    if (uiRole(node) !== role) throw new ApiError('FORBIDDEN', `only a ${role} can do this (you act as a ${uiRole(node)})`);
    return node;
  };
  /** Any node of the session that holds `chain` (for names a patient laptop cannot see itself). */
  const holder = (chain: ChainId): TrichainNode | undefined => {
    const n = current().node;
    if (n.ledger.hasGenesis(chain)) return n;
    return [...roles.values()].map((r) => r.node).find((x) => x.ledger.hasGenesis(chain));
  };
  const entities = () => entityRefs(holder('social'));
  const pkOf = (hexId: string): Uint8Array => {
    try {
      return fromHex(hexId, 48);
    } catch {
      throw new ApiError('BAD_REQUEST', `"${hexId}" is not a patient id (96 hex characters)`);
    }
  };
  /** The patient (main key) behind a per-grantee key, where this session holds the patient chain. */
  const ownerOf = (key: Uint8Array): Uint8Array | undefined => {
    const st = holder('patient')?.ledger.state('patient');
    return st ? ownerOfGranteeKey(st, key) : undefined;
  };
  const patientName = (key: Uint8Array): string | undefined => {
    const pk = ownerOf(key) ?? key;
    for (const r of roles.values()) {
      if (r.node.config.role === 'hospital') {
        const p = findPatient(r.node, pk);
        if (p) return p.display;
      }
      if (r.node.config.role === 'patient' && toHex(r.node.identity.blsPublicKey) === toHex(pk)) return r.node.config.name;
    }
    return undefined;
  };
  const wrapTx = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof TxRejected) throw new ApiError('CONFLICT', e.reason);
      throw e;
    }
  };
  const consentStatus = (node: TrichainNode, pk: Uint8Array): 'none' | 'active' | 'revoked' => {
    const st = (node.ledger.hasGenesis('patient') ? node : holder('patient'))?.ledger.state('patient');
    const cs = st ? listConsents(st, pk) : [];
    if (cs.some((c) => c.status === 'active' && c.period.end > Date.now())) return 'active';
    return cs.length ? 'revoked' : 'none';
  };

  const labelsWithReasons = (chainLabels: { category: string; sensitivity: string[]; confidentiality: string } | null, resource: FhirResource | null): Labels => {
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

  const chartOfClinician = (node: TrichainNode, pk: Uint8Array): ChartResource[] => {
    const out: ChartResource[] = [];
    for (const recordId of patientRecordIds(node, pk)) {
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
    return out.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
  };

  const chartOfPatient = (node: TrichainNode): ChartResource[] =>
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

  const patientSummary = (node: TrichainNode, pk: Uint8Array, name?: string, birthYear?: number | null) => ({
    id: toHex(pk), name: name ?? patientName(pk) ?? `Patient ${toHex(pk).slice(0, 8)}`, birthDate: birthYear ? String(birthYear) : undefined,
    recordCount: node.ledger.hasGenesis('hospital') ? patientRecordIds(node, pk).length : myRecords(node, pk).length,
    consentStatus: consentStatus(node, pk),
  });

  const packageSummary = (node: TrichainNode, requestId: string) => {
    const st = node.ledger.state('social');
    const r = requestOf(st, requestId)!;
    const proof = r.publishTx ? finalizeProof(node.ledger, r.publishTx) : null;
    const body = proof ? (proof.publish.tx.body as { resourceCount: number; labelsSummary?: Record<string, number> }) : { resourceCount: 0 };
    // The categories the request asked for that the consent allows (the counts per category stay inside the package).
    const consented = proof ? (proof.consent.tx.body as { categories: string[] }).categories : [];
    const categories = body.labelsSummary ? Object.keys(body.labelsSummary) : r.categories.filter((x) => consented.includes(x));
    return {
      id: requestId, requestId, entity: requestView(r, entities()).entity,
      // The package's own pseudonym (an HMAC only the provider can compute) is inside the package.
      patientPseudonym: `pseudonymous patient of request ${requestId.slice(0, 12)}`,
      purpose: r.purpose, categories: categories as Category[], resourceCount: body.resourceCount,
      publishedAt: iso(r.publishHeight ? node.ledger.block('social', r.publishHeight)!.header.time : r.filedAt), packageHash: toHex(r.packageHash!),
      socialHeight: r.publishHeight, verification: verified.get(requestId) ?? ('unverified' as const),
    };
  };

  // ---- signing: summaries of what will be signed --------------------------------------------

  const summarizeAction = (a: SignAction): SignSummary => {
    const who = (() => {
      const r = active ? roles.get(active) : undefined;
      return r ? `${r.node.config.name} (${uiRole(r.node)}; key ${r.node.publicKeyHex.slice(0, 12)}…)` : 'a new identity on this computer';
    })();
    switch (a.method) {
      case 'identity.create': return { who: a.input.displayName, what: `Create a ${a.input.role} identity; its keys stay on this computer`, chain: ['patient', 'hospital', 'social'], details: [] };
      case 'network.join': return { who, what: 'Join a network from an invite and pin its peer', chain: ['patient', 'hospital', 'social'], details: [] };
      case 'records.add': return { who, what: `Add a ${a.input.resource.resourceType} to ${patientName(pkOf(a.input.patientId)) ?? 'the patient'}'s record (encrypted; content hash anchored)`, chain: ['hospital', 'patient'], details: a.input.raise?.sensitivity?.length ? [{ label: 'Raised labels', value: a.input.raise.sensitivity.join(', ') }] : [] };
      case 'records.amend': return { who, what: `Amend ${a.input.recordId}: a new version; the old one stays on the chain`, chain: ['hospital', 'patient'], details: [{ label: 'Reason', value: a.input.reason }] };
      case 'records.import': return { who, what: `Import a FHIR bundle (${Math.round(a.input.bundle.length / 1024)} KB): classify, encrypt and anchor every resource`, chain: ['hospital', 'patient'], details: [] };
      case 'consents.grant': {
        const e = entities().find((x) => x.id === a.input.entityId);
        return {
          who, what: `Grant ${e?.name ?? a.input.entityId} access to ${a.input.categories.join(', ')} for ${purposeLabel(a.input.purpose)} until ${a.input.validUntil}`, chain: ['patient'],
          details: [{ label: 'Sensitive data included', value: a.input.includeSensitive.length ? a.input.includeSensitive.join(', ') : 'none' }, ...(a.input.replaces ? [{ label: 'Replaces', value: a.input.replaces }] : [])],
        };
      }
      case 'consents.revoke': return { who, what: `Revoke consent ${a.input.consentId}: every later share stops at once`, chain: ['patient'], details: [] };
      case 'shares.request': return { who, what: `Request ${a.input.categories.join(', ')} of patient ${a.input.patientId.slice(0, 8)}… for ${purposeLabel(a.input.purpose)} (${a.input.period.from} to ${a.input.period.to})`, chain: ['social'], details: [] };
      case 'shares.approve': return answerSummary(current().node, a.input.requestId, who, (pk) => entities().find((e) => e.id === toHex(pk))?.name ?? 'the requester');
    }
  };

  // ---- signed actions ------------------------------------------------------------------------

  const signed = {
    async 'identity.create'(i: Extract<SignAction, { method: 'identity.create' }>['input']) {
      if (roles.size) throw new ApiError('CONFLICT', 'this app already has an identity');
      const role = i.role === 'clinician' ? 'hospital' : i.role;
      const name = i.role === 'clinician' ? (i.organization || i.displayName) : i.displayName;
      const node = await TrichainNode.init(ownDir, { role, name, passphrase: unlockSecret(), found: role === 'hospital', kind: i.entityKind });
      addRole('self', 'This node', node);
      // The patient's keys were made here; the phrase is returned this once and never stored.
      if (role === 'patient') return { identity: identityView(node), recoveryPhrase: recoveryPhrase(node.identity), enrolmentRequest: makeEnrolmentRequest(node.identity) };
      return { identity: identityView(node) };
    },
    async 'network.join'(i: { invite: string }) {
      const node = current().node;
      try {
        const { invite } = acceptInvite({ dataDir: node.paths.dir, invite: i.invite, bls: node.bls, localGenesisHex: localGenesisHex(node) });
        return { networkId: invite.network, chains: [...CHAINS].filter((c) => node.config.role === 'hospital' || (node.config.role === 'patient' ? c === 'patient' : c === 'social')), peers: [{ address: invite.address, fingerprint: invite.fingerprint }] };
      } catch (e) {
        throw new ApiError('BAD_REQUEST', `invite refused: ${(e as Error).message}`);
      }
    },
    async 'records.add'(i: Extract<SignAction, { method: 'records.add' }>['input']) {
      const node = nodeAs('clinician');
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
      return { record: chartOfClinician(node, pk).find((x) => x.id === r.recordId)! };
    },
    async 'records.amend'(i: Extract<SignAction, { method: 'records.amend' }>['input']) {
      const node = nodeAs('clinician');
      assertMayAmend(node, i.recordId);
      const r = wrapTx(() => amendRecord(node, i.recordId, i.resource as FhirResource, i.raise ? { sensitivity: i.raise.sensitivity, confidentiality: i.raise.confidentiality } : undefined));
      return { record: chartOfClinician(node, recordInfo(node, r.recordId).patient).find((x) => x.id === r.recordId)! };
    },
    async 'records.import'(i: Extract<SignAction, { method: 'records.import' }>['input']) {
      const node = nodeAs('clinician');
      let bundle: unknown;
      try {
        bundle = JSON.parse(i.bundle);
      } catch (e) {
        throw new ApiError('BAD_REQUEST', `the file is not JSON: ${(e as Error).message}`);
      }
      emit({ type: 'import.progress', payload: { importId: i.importId, phase: 'parsing', done: 0, total: 0 } });
      try {
        const r = await importBundle(node, bundle, { onProgress: (p) => emit({ type: 'import.progress', payload: { importId: i.importId, phase: 'anchoring', done: p.done, total: p.total, message: p.patient } }) });
        const result = { importId: i.importId, imported: r.records, skipped: r.skipped, patientIds: r.patients.map((p) => toHex(p.pk)), warnings: r.sensitive ? [`${r.sensitive} resources carry sensitivity labels`] : [] };
        imports.finish(i.importId, result);
        emit({ type: 'import.progress', payload: { importId: i.importId, phase: 'done', done: r.records, total: r.records } });
        return result;
      } catch (e) {
        emit({ type: 'import.progress', payload: { importId: i.importId, phase: 'failed', done: 0, total: 0, message: (e as Error).message } });
        imports.fail(i.importId, (e as Error).message);
        throw new ApiError('BAD_REQUEST', (e as Error).message);
      }
    },
    async 'consents.grant'(i: Extract<SignAction, { method: 'consents.grant' }>['input']) {
      const node = nodeAs('patient');
      if (i.patientId && i.patientId !== node.publicKeyHex) throw new ApiError('FORBIDDEN', 'a patient grants consents for themself only');
      const grantee = i.entityId.startsWith('kind:') ? { kind: i.entityId.slice(5) as 'insurer' } : { entity: pkOf(i.entityId) };
      if (i.replaces) wrapTx(() => revokeConsent(node, i.replaces!));
      const { consentId } = await (async () => {
        const r = wrapTx(() => grantConsent(node, { grantee, purpose: purposeCode(i.purpose) as never, categories: i.categories, sensitivity: i.includeSensitive, period: { start: Date.now() - 60_000, end: dateMs(i.validUntil, true) } }));
        await settle();
        return r;
      })();
      const c = listConsents(node.ledger.state('patient'), node.identity.blsPublicKey).find((x) => x.consentId === consentId);
      if (!c) return { consent: { id: consentId, patientId: node.publicKeyHex, entity: entities().find((e) => e.id === i.entityId) ?? { id: i.entityId, name: i.entityId, kind: 'other' as const }, purpose: i.purpose, categories: i.categories, includeSensitive: i.includeSensitive, validFrom: day(Date.now()), validUntil: i.validUntil, status: 'active' as const, grantedAt: iso(Date.now()), pending: true } };
      return { consent: consentView(c, entities()) };
    },
    async 'consents.revoke'(i: { consentId: string }) {
      const node = nodeAs('patient');
      wrapTx(() => revokeConsent(node, i.consentId));
      await settle();
      const c = listConsents(node.ledger.state('patient'), node.identity.blsPublicKey).find((x) => x.consentId === i.consentId);
      if (!c) throw new ApiError('NOT_FOUND', `no consent ${i.consentId}`);
      return { consent: consentView(c, entities()), alreadyShared: alreadyShared(node.identity.blsPublicKey) };
    },
    async 'shares.request'(i: Extract<SignAction, { method: 'shares.request' }>['input']) {
      const node = nodeAs('entity');
      assertRequestable(holder('patient')?.ledger.state('patient'), pkOf(i.patientId), node);
      const { requestId } = wrapTx(() => fileShareRequest(node, { patient: pkOf(i.patientId), purpose: purposeCode(i.purpose) as never, categories: i.categories, period: { start: dateMs(i.period.from), end: dateMs(i.period.to, true) } }));
      await settle();
      const r = requestOf(node.ledger.state('social'), requestId);
      return { request: r ? requestView(r, entities(), pseudonymousLabel(i.patientId)) : { id: requestId, entity: identityEntity(node), patientId: i.patientId, purpose: i.purpose, categories: i.categories, period: i.period, status: 'pending' as const, filedAt: iso(Date.now()) } };
    },
    async 'shares.approve'(i: { requestId: string }) {
      const node = nodeAs('clinician');
      await settle();
      const outcome = wrapTx(() => processShareRequest(node, i.requestId));
      await settle();
      continueShares(node);
      const r = requestOf(node.ledger.state('social'), i.requestId)!;
      return { request: requestView(r, entities(), patientName(r.patient)), package: outcome.status === 'published' ? packageSummary(node, i.requestId) : undefined };
    },
  };

  const identityEntity = (node: TrichainNode) => ({ id: node.publicKeyHex, name: node.config.name, kind: (node.config.kind ?? 'other') as 'other' });

  /** Gives the demo's daemons a moment to carry pending transactions to the validator and back. */
  const settle = async () => {
    if (demo?.settle) await demo.settle();
  };

  const alreadyShared = (pk: Uint8Array) => {
    const social = holder('social');
    if (!social) return [];
    return social.ledger
      .state('social')
      .scan('request/')
      .map(([, v]) => v as unknown as NonNullable<ReturnType<typeof requestOf>>)
      .filter((r) => r.status === 'published' && toHex(ownerOf(r.patient) ?? r.patient) === toHex(pk))
      .map((r) => ({ packageId: r.requestId, entityName: requestView(r, entities()).entity.name, sharedAt: iso(r.filedAt), categories: r.categories as Category[], resourceCount: 0 }));
  };

  // ---- the handlers --------------------------------------------------------------------------

  const handlers: Service = {
    async 'app.info'() {
      const r = active ? roles.get(active) : undefined;
      return { name: 'Trichain' as const, version: VERSION, initialized: !!r, identity: r ? identityView(r.node) : null, demo: !!demo, chains: r ? r.node.chains() : [] };
    },
    async 'demo.start'() {
      if (!demo && roles.size) throw new ApiError('CONFLICT', 'this app already runs its own node; start the demo with another data folder (TRICHAIN_DATA)');
      await startDemo();
      return { roles: [...roles.values()].map((r) => r.session), active: active! };
    },
    async 'demo.status'() {
      return {
        running: !!demo, stage: demoStage,
        patients: demo ? listPatients(roles.get('stMary')?.node ?? current().node).length : 0,
        nodes: [...roles.values()].map((r) => ({ id: r.session.id, label: r.session.label, role: r.session.role, organization: r.session.organization, online: true })),
      };
    },
    async 'session.roles'() {
      return { roles: [...roles.values()].map((r) => r.session), active };
    },
    async 'session.switchRole'(i) {
      const r = roles.get(i.roleId);
      if (!r) throw new ApiError('NOT_FOUND', `no role ${i.roleId}`);
      active = i.roleId;
      return { active: r.session };
    },
    'identity.create': (i) => signedOnly('identity.create', i),
    'network.join': (i) => signedOnly('network.join', i),
    'records.add': (i) => signedOnly('records.add', i),
    'records.amend': (i) => signedOnly('records.amend', i),
    'records.import': (i) => signedOnly('records.import', i),
    'consents.grant': (i) => signedOnly('consents.grant', i),
    'consents.revoke': (i) => signedOnly('consents.revoke', i),
    'shares.request': (i) => signedOnly('shares.request', i),
    'shares.approve': (i) => signedOnly('shares.approve', i),
    async 'entities.list'() {
      return { entities: entities() };
    },
    async 'patients.search'(i) {
      const node = current().node;
      const q = i.query.trim().toLowerCase();
      if (node.config.role === 'patient') return { patients: [patientSummary(node, node.identity.blsPublicKey, node.config.name)] };
      if (node.config.role === 'entity') {
        // An entity sees patients only as pseudonymous keys that have a consent naming it or its kind.
        // Its status is that of the consents naming it: 'revoked' once every one is revoked or expired.
        const st = holder('patient')?.ledger.state('patient');
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
      return { patients: listPatients(node, q).slice(0, i.limit).map((p) => patientSummary(node, p.pk, p.display, p.birthYear)) };
    },
    async 'patients.chart'(i) {
      const node = current().node;
      if (node.config.role === 'patient') return { patient: patientSummary(node, node.identity.blsPublicKey, node.config.name), resources: chartOfPatient(node) };
      const me = nodeAs('clinician');
      if (!i.patientId) throw new ApiError('BAD_REQUEST', 'which patient? (patientId)');
      const pk = pkOf(i.patientId);
      const resources = chartOfClinician(me, pk);
      const viewKey = `${me.publicKeyHex}:${toHex(pk)}`;
      const lastLogged = chartViewsLogged.get(viewKey) ?? -Infinity;
      if (getMember(me.ledger.state('patient'), pk)?.role === 'patient' && Date.now() - lastLogged >= CHART_VIEW_COALESCE_MS) {
        // Opening a chart is an access the patient can see in their audit trail. Views by the same
        // organization within CHART_VIEW_COALESCE_MS are one entry: otherwise every reload of an
        // open chart (the UI reloads on each new block) would log a view, commit a block, and so
        // trigger the next reload, forever.
        chartViewsLogged.set(viewKey, Date.now());
        try {
          me.submit('patient', 'audit.log', { patient: pk, kind: 'chart.viewed', detail: { organization: me.config.name, resources: resources.length } });
        } catch {
          /* auditing must not block reading in an emergency; the failure is visible as no entry */
        }
      }
      return { patient: patientSummary(me, pk), resources };
    },
    async 'consents.list'(i) {
      const node = current().node;
      const pk = node.config.role === 'patient' ? node.identity.blsPublicKey : i.patientId ? pkOf(i.patientId) : null;
      if (!pk) throw new ApiError('BAD_REQUEST', 'which patient? (patientId)');
      const st = holder('patient')?.ledger.state('patient');
      return { consents: st ? listConsents(st, pk).map((c) => consentView(c, entities())) : [], alreadyShared: alreadyShared(pk) };
    },
    async 'shares.requests'(i) {
      const node = current().node;
      const want = i.status;
      // An entity never sees a patient's name: only the pseudonymous label its patient picker shows.
      const nameFor = (pk: Uint8Array) => (node.config.role === 'entity' ? pseudonymousLabel(toHex(pk)) : patientName(pk));
      const views = (node.config.role === 'entity' ? myRequests(node) : node.config.role === 'hospital' ? node.ledger.state('social').scan('request/').map(([, v]) => v as never) : []).map((r) =>
        requestView(r, entities(), nameFor((r as { patient: Uint8Array }).patient)),
      );
      return { requests: views.filter((r) => want === 'all' || r.status === want).sort((a, b) => b.filedAt.localeCompare(a.filedAt)) };
    },
    async 'shares.preview'(i) {
      const node = nodeAs('clinician');
      const p = previewShare(node, i.requestId);
      if (!p.allowed) return { requestId: i.requestId, decision: 'refused' as const, reason: p.reason, pseudonym: '', confidentiality: 'L' as const, included: [], excluded: [] };
      const patient = p.resources.find((r) => r.resourceType === 'Patient');
      return {
        requestId: i.requestId, decision: 'allowed' as const, reason: `consent ${p.consentId} permits it`, consentId: p.consentId, pseudonym: String(patient?.id ?? ''), confidentiality: 'L' as const,
        included: p.resources.slice(0, 200).map((r) => ({ resourceType: r.resourceType, category: classifyResource(r).category, summary: summarize(r as FhirResource), deidentified: r as unknown as Record<string, unknown> })),
        excluded: p.excluded.slice(0, 200).map((e) => {
          const info = recordInfo(node, e.recordId);
          return { resourceType: info.resourceType, category: info.labels.category as Category, reason: e.why };
        }),
      };
    },
    async 'imports.status'(i) {
      const s = imports.get(i.importId);
      if (!s) throw new ApiError('NOT_FOUND', `no import ${i.importId} since the app started`);
      return s;
    },
    async 'packages.list'() {
      const node = current().node;
      if (node.config.role === 'entity') return { packages: myRequests(node).filter((r) => r.status === 'published').map((r) => packageSummary(node, r.requestId)) };
      if (node.config.role === 'hospital') {
        const ids = node.db.prepare("SELECT request_id FROM shares_out WHERE stage = 'published'").pluck().all() as string[];
        return { packages: ids.filter((id) => requestOf(node.ledger.state('social'), id)?.status === 'published').map((id) => packageSummary(node, id)) };
      }
      return { packages: [] };
    },
    async 'packages.verify'(i) {
      const node = current().node;
      const r = requestOf(node.ledger.state('social'), i.packageId);
      if (!r || r.status !== 'published' || !r.publishTx) throw new ApiError('NOT_FOUND', `no published package ${i.packageId}`);
      const proof = finalizeProof(node.ledger, r.publishTx);
      const entity = getMember(node.ledger.state('social'), r.entity);
      const res = verifyCrossChainProof(node.bls, proof, trustOf(node), { requestId: i.packageId, packageHash: r.packageHash!, entity: r.entity, entityKind: entity?.kind, purpose: r.purpose, patient: r.patient });
      // The receiving entity also checks every record it holds against the attested root and the consent.
      const full = res.ok && node.config.role === 'entity' && toHex(r.entity) === node.publicKeyHex && node.blobs.has(r.packageHash!) ? verifyPackageAs(node, packageFileOf(node, i.packageId)) : null;
      const ok = res.ok && (full?.ok ?? true);
      verified.set(i.packageId, ok ? 'verified' : 'failed');
      const checks = full ? full.checks : res.ok ? res.details.checks : [{ name: 'Cross-chain proof', ok: false, detail: res.reason }];
      return {
        packageId: i.packageId, status: ok ? ('verified' as const) : ('failed' as const), checks,
        signers: [
          { party: 'patient (consent)', chain: 'patient' as const, publicKey: toHex(proof.consent.tx.author) },
          { party: 'hospital (attestation)', chain: 'hospital' as const, publicKey: toHex(proof.attestation.tx.author) },
          { party: 'social chain validators', chain: 'social' as const, publicKey: toHex(proof.publish.tx.author) },
        ],
        aggregateSignature: toHex(proof.signature), verifiedAt: iso(Date.now()),
      };
    },
    async 'packages.export'(i) {
      const node = nodeAs('entity');
      let opened;
      try {
        opened = openPackage(node, i.packageId);
      } catch (e) {
        throw new ApiError('FORBIDDEN', (e as Error).message);
      }
      verified.set(i.packageId, 'verified');
      const content = i.format === 'fhir' ? JSON.stringify(opened.bundle, null, 2) : opened.csv;
      return { filename: `${i.packageId}.${i.format === 'fhir' ? 'json' : 'csv'}`, mediaType: i.format === 'fhir' ? 'application/fhir+json' : 'text/csv', content, bytes: Buffer.byteLength(content) };
    },
    async 'audit.list'(i) {
      const node = current().node;
      const pk = node.config.role === 'patient' ? node.identity.blsPublicKey : i.patientId ? pkOf(i.patientId) : null;
      if (!pk) throw new ApiError('BAD_REQUEST', 'which patient? (patientId)');
      const names = new Map(entities().map((e) => [e.id, e.name]));
      const all = patientAudit(node, pk).map((e, n) => auditView(e, toHex(pk), n, names));
      const start = i.before ? all.findIndex((e) => e.id === i.before) + 1 : 0;
      const page = all.slice(start, start + i.limit);
      return { entries: page, nextBefore: start + i.limit < all.length ? page[page.length - 1]?.id : undefined };
    },
    async 'chains.status'() {
      const node = current().node;
      return {
        chains: CHAINS.map((chain) => {
          const replicated = node.ledger.hasGenesis(chain);
          if (!replicated) return { chain, replicated, height: 0, headHash: '', quorum: 0, validators: [], peers: [], sync: { state: 'offline' as const, localHeight: 0, remoteHeight: 0, fraction: 0 }, pendingTxs: 0 };
          const head = node.ledger.head(chain);
          const vs = node.ledger.validatorsAt(chain, head.height + 1);
          const ref = [...roles.values()].map((r) => r.node).find((n) => n.ledger.hasGenesis(chain) && n.isSoloValidator(chain));
          const remote = ref ? ref.ledger.height(chain) : head.height;
          return {
            chain, replicated, height: head.height, headHash: toHex(head.hash), headTime: head.height ? iso(node.ledger.block(chain, head.height)!.header.time) : undefined,
            quorum: quorum(vs.length), validators: vs.map((v) => ({ id: toHex(v.blsPk).slice(0, 16), name: v.name, publicKey: toHex(v.blsPk), online: true })),
            peers: [...roles.values()].filter((r) => r.node !== node && r.node.ledger.hasGenesis(chain)).map((r) => ({ id: r.node.publicKeyHex.slice(0, 16), address: r.node.config.listen ?? 'loopback', fingerprint: r.node.publicKeyHex.slice(0, 32), connected: true })),
            sync: { state: remote > head.height ? ('syncing' as const) : ('synced' as const), localHeight: head.height, remoteHeight: Math.max(remote, head.height), fraction: remote > 0 ? Math.min(1, head.height / remote) : 1 },
            pendingTxs: node.outbox('pending').filter((o) => o.chain === chain).length + node.outbox('submitted').filter((o) => o.chain === chain).length,
          };
        }),
      };
    },
    async 'chains.blocks'(i) {
      const node = current().node;
      if (!node.ledger.hasGenesis(i.chain)) throw new ApiError('FORBIDDEN', `this node does not replicate the ${i.chain} chain`);
      const top = Math.min(i.before !== undefined ? i.before - 1 : node.ledger.height(i.chain), node.ledger.height(i.chain));
      const blocks = [];
      for (let h = top; h >= 1 && blocks.length < i.limit; h--) blocks.push(blockSummary(node, i.chain, h));
      const last = blocks[blocks.length - 1]?.height;
      return { chain: i.chain, blocks, nextBefore: last && last > 1 ? last : undefined };
    },
    async 'chains.block'(i) {
      const node = current().node;
      if (!node.ledger.hasGenesis(i.chain)) throw new ApiError('FORBIDDEN', `this node does not replicate the ${i.chain} chain`);
      try {
        return { block: blockDetail(node, i.chain, i.height) };
      } catch (e) {
        throw new ApiError('NOT_FOUND', (e as Error).message);
      }
    },
    async 'storage.signatures'(i) {
      const node = current().node;
      const parties = i.parties ?? [1, 2, 3, 4, 8, 16, 32, 64];
      const msg = (k: number) => utf8(`trichain storage sample ${k}`);
      const series = parties.map((k) => {
        // Real signatures, measured: k parties each sign a distinct statement.
        const sks = Array.from({ length: k }, (_, j) => node.bls.keygen(utf8(`storage-sample-key-${j}-padding-to-32-bytes!!`)));
        const sigs = sks.map((sk, j) => node.bls.sign(sk, msg(j)));
        const ecdsa = Array.from({ length: k }, (_, j) => secp256k1.sign(msg(j), secp256k1.utils.randomSecretKey(), { prehash: true }));
        return { parties: k, aggregateBytes: node.bls.aggregate(sigs).length, perPartyBlsBytes: sigs.reduce((n, s) => n + s.length, 0), perPartyEcdsaBytes: ecdsa.reduce((n, s) => n + s.length, 0) };
      });
      return { series, source: `measured now with real ${node.bls.backend} BLS and secp256k1 ECDSA signatures` };
    },
    async 'sign.prepare'(action) {
      const roleId = active ?? 'none';
      if (action.method !== 'identity.create') precheck(current().node, action, holder('patient')?.ledger.state('patient'));
      return desk.prepare(action, roleId, summarizeAction(action));
    },
    async 'sign.confirm'(i) {
      const action = desk.take(i.requestId, active ?? 'none');
      const run = signed[action.method] as (input: unknown) => Promise<unknown>;
      const value = await run(action.input);
      await settle();
      return { method: action.method, value } as ApiOutput<'sign.confirm'>;
    },
    async 'sign.cancel'(i) {
      return { cancelled: desk.cancel(i.requestId) };
    },
    async close() {
      if (demo) await demo.close();
      else for (const r of roles.values()) r.node.close();
      roles.clear();
    },
  };

  /** Signed methods are reachable only through sign.confirm (the transports enforce it too). */
  async function signedOnly(method: string, _i: unknown): Promise<never> {
    throw new ApiError('SIGNATURE_REQUIRED', `${method} signs a transaction: call sign.prepare, then sign.confirm`);
  }

  return handlers;
}
