/**
 * One whole share on the running demo consortium, headless (`trichain demo --walk OUT`): the
 * patient consents on their laptop, the research institute requests, the clinician at St Mary
 * approves (select, de-identify, release, attest, publish), the package reaches the institute, and
 * the institute verifies it (proof, decryption, every record against the attested root and the
 * consent); then Riverside, which holds records of the same patient, answers the same request for
 * itself (issue 11) and the institute verifies its package too: one request, a package per hospital.
 * Writes OUT/package (St Mary's encrypted package with its proof, as received), OUT/received.json
 * (the decrypted FHIR Bundle), and for Riverside OUT/package-riverside and OUT/received-riverside.json
 * (when it shared; a refusal is reported with its reason). Each step waits on sync rounds, never on a clock.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../codec/hex';
import { grantConsent } from '../emr/consent';
import { packageIdOf } from '../emr/share/answers';
import { fileShareRequest, packageFileOf, verifyPackageAs } from '../emr/share/entity';
import { encodePackageFile } from '../emr/share/package';
import { processShareRequest } from '../emr/share/provider';
import { consentOf } from '../ledger/rules/patient';
import { answerOf, requestOf } from '../ledger/rules/social';
import type { TrichainNode } from '../node/node';
import { writeFileAtomic } from '../storage/atomic-file';
import type { Demo } from './demo';

export const WALK_STEPS = ['the patient consents', 'the research institute requests', 'the clinician approves', 'the package is published', 'the entity verifies', 'the second hospital answers', 'the entity verifies the second package'] as const;
export type WalkStep = (typeof WALK_STEPS)[number];

export class WalkError extends Error {
  constructor(readonly step: WalkStep, message: string) {
    super(message);
  }
}

const YEAR = 365 * 24 * 3600 * 1000;
const CATEGORIES = ['condition', 'observation', 'lab', 'vital-signs', 'medication', 'encounter', 'procedure', 'immunization', 'demographics'] as const;

/** One hospital's package of the request, as the entity received and verified it. */
export interface WalkPackage {
  hospital: string;
  packageId: string;
  resources: number;
  packageFile: string;
  receivedFile: string;
}

export interface WalkResult {
  requestId: string;
  /** St Mary's package (the first answer). */
  resources: number;
  packageFile: string;
  receivedFile: string;
  checks: { name: string; detail: string }[];
  /** Every hospital's package, St Mary's first; Riverside's refusal instead when it refused. */
  packages: WalkPackage[];
  refused?: { hospital: string; reason: string };
}

/** Runs catch-up rounds on every daemon until `check` holds (bounded by timeoutMs). */
async function until(demo: Demo, step: WalkStep, what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  const daemons = Object.values(demo.daemons);
  while (!check()) {
    if (Date.now() > end) throw new WalkError(step, `timed out waiting until ${what}`);
    for (const d of daemons) await d.syncNow();
  }
}

export async function walkShare(demo: Demo, out: string, opts: { progress?(step: WalkStep, detail: string): void; timeoutMs?: number } = {}): Promise<WalkResult> {
  const timeout = opts.timeoutMs ?? 120_000;
  const say = opts.progress ?? (() => {});
  const { stMary, riverside, patient: laptop, research } = demo.nodes;
  const milan = demo.patients.find((p) => p.laptop === 'patient');
  const at = async <T>(step: WalkStep, f: () => Promise<T> | T): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw e instanceof WalkError ? e : new WalkError(step, (e as Error).message);
    }
  };
  if (!milan) throw new WalkError('the patient consents', 'the demo has no patient with a laptop');

  // The consent is signed with Milan's key for the institute; the request names that key (never his main key).
  const { consentId, key: patientKey } = await at('the patient consents', async () => {
    const granted = grantConsent(laptop, { grantee: { entity: research.identity.blsPublicKey }, purpose: 'HRESCH', categories: [...CATEGORIES], period: { start: Date.now() - 60_000, end: Date.now() + YEAR } });
    await until(demo, 'the patient consents', 'St Mary holds the consent', () => !!consentOf(stMary.ledger.state('patient'), granted.consentId), timeout);
    return granted;
  });
  say('the patient consents', `${milan.name} signed consent ${consentId} on the patient chain (research, ${CATEGORIES.length} categories, no sensitive codes)`);

  const requestId = await at('the research institute requests', async () => {
    const { requestId } = fileShareRequest(research, { patient: fromHex(patientKey, 48), purpose: 'HRESCH', categories: [...CATEGORIES], period: { start: -3e12, end: Date.now() + YEAR } });
    await until(demo, 'the research institute requests', 'St Mary holds the request', () => requestOf(stMary.ledger.state('social'), requestId)?.status === 'open', timeout);
    return requestId;
  });
  say('the research institute requests', `request ${requestId} filed on the social chain`);

  await at('the clinician approves', async () => {
    const outcome = processShareRequest(stMary, requestId);
    if (outcome.status === 'refused') throw new Error(`the share was refused: ${outcome.reason}`);
    say('the clinician approves', `${outcome.resources} de-identified resources released and attested on the hospital chain`);
  });

  /** Waits until `hospital`'s answer reaches the institute with its package; its package id. */
  const received = (step: WalkStep, hospital: TrichainNode) =>
    until(demo, step, `${hospital.config.name}'s answer reaches the research institute with its package`, () => {
      // A hospital's runtime publishes once its attestation's block commits (emr/share/workflow.ts).
      const social = research.ledger.state('social');
      const r = requestOf(social, requestId);
      const a = r && answerOf(social, r, hospital.identity.blsPublicKey);
      if (a?.status === 'refused') throw new Error(`${hospital.config.name} refused: ${a.reason}`);
      return a?.status === 'published' && !!a.packageHash && research.blobs.has(a.packageHash);
    }, timeout);

  /** The institute verifies one hospital's package and writes it (encrypted, with its proof) and what it decrypted. */
  const verify = (hospital: TrichainNode, suffix: string) => {
    const packageId = packageIdOf(requestId, hospital.identity.blsPublicKey);
    const file = packageFileOf(research, packageId);
    mkdirSync(out, { recursive: true });
    const packageFile = join(out, `package${suffix}`);
    const receivedFile = join(out, `received${suffix}.json`);
    writeFileAtomic(packageFile, encodePackageFile(file), 0o644);
    const v = verifyPackageAs(research, file);
    if (!v.ok) throw new Error(`${v.failed}: ${v.reason}`);
    writeFileAtomic(receivedFile, JSON.stringify(v.payload.bundle, null, 2), 0o644);
    const pkg: WalkPackage = { hospital: hospital.config.name, packageId, resources: v.payload.bundle.entry?.length ?? 0, packageFile, receivedFile };
    return { pkg, checks: v.checks.map(({ name, detail }) => ({ name, detail })) };
  };

  await at('the package is published', () => received('the package is published', stMary));
  say('the package is published', 'share.publish committed on the social chain; the encrypted package reached the institute');

  const first = await at('the entity verifies', () => {
    const v = verify(stMary, '');
    say('the entity verifies', `${v.checks.length} checks hold; ${v.pkg.resources} resources decrypted`);
    return v;
  });
  const result: WalkResult = { requestId, resources: first.pkg.resources, packageFile: first.pkg.packageFile, receivedFile: first.pkg.receivedFile, checks: first.checks, packages: [first.pkg] };

  // Riverside holds a recent visit of the same patient: it answers the same request for itself.
  const outcome = await at('the second hospital answers', async () => {
    const o = processShareRequest(riverside, requestId);
    if (o.status !== 'refused') await received('the second hospital answers', riverside);
    return o;
  });
  if (outcome.status === 'refused') {
    say('the second hospital answers', `${riverside.config.name} refused: ${outcome.reason}`);
    return { ...result, refused: { hospital: riverside.config.name, reason: outcome.reason } };
  }
  say('the second hospital answers', `${riverside.config.name} published its own package of ${outcome.resources} resources for the same request`);
  return at('the entity verifies the second package', () => {
    const v = verify(riverside, '-riverside');
    say('the entity verifies the second package', `${v.checks.length} checks hold; ${v.pkg.resources} resources from ${riverside.config.name} decrypted`);
    return { ...result, packages: [first.pkg, v.pkg] };
  });
}
