/**
 * One whole share on the running demo consortium, headless (`trichain demo --walk OUT`): the
 * patient consents on their laptop, the research institute requests, the clinician at St Mary
 * approves (select, de-identify, release, attest, publish), the package reaches the institute, and
 * the institute verifies it (proof, decryption, every record against the attested root and the
 * consent). Writes OUT/package (the encrypted package with its proof, as received) and
 * OUT/received.json (the decrypted FHIR Bundle). Each step waits on sync rounds, never on a clock.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../codec/hex';
import { grantConsent } from '../emr/consent';
import { fileShareRequest, packageFileOf, verifyPackageAs } from '../emr/share/entity';
import { encodePackageFile } from '../emr/share/package';
import { processShareRequest } from '../emr/share/provider';
import { consentOf } from '../ledger/rules/patient';
import { requestOf } from '../ledger/rules/social';
import { writeFileAtomic } from '../storage/atomic-file';
import type { Demo } from './demo';

export const WALK_STEPS = ['the patient consents', 'the research institute requests', 'the clinician approves', 'the package is published', 'the entity verifies'] as const;
export type WalkStep = (typeof WALK_STEPS)[number];

export class WalkError extends Error {
  constructor(readonly step: WalkStep, message: string) {
    super(message);
  }
}

const YEAR = 365 * 24 * 3600 * 1000;
const CATEGORIES = ['condition', 'observation', 'lab', 'vital-signs', 'medication', 'encounter', 'procedure', 'immunization', 'demographics'] as const;

export interface WalkResult {
  requestId: string;
  resources: number;
  packageFile: string;
  receivedFile: string;
  checks: { name: string; detail: string }[];
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
  const { stMary, patient: laptop, research } = demo.nodes;
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

  await at('the package is published', async () => {
    await until(demo, 'the package is published', 'the publication reaches the research institute with its package', () => {
      // St Mary's runtime publishes once the attestation's block commits (emr/share/workflow.ts).
      const r = requestOf(research.ledger.state('social'), requestId);
      if (r?.status === 'refused') throw new Error(`the share was refused: ${r.reason}`);
      return r?.status === 'published' && !!r.packageHash && research.blobs.has(r.packageHash);
    }, timeout);
  });
  say('the package is published', 'share.publish committed on the social chain; the encrypted package reached the institute');

  return at('the entity verifies', async () => {
    const file = packageFileOf(research, requestId);
    mkdirSync(out, { recursive: true });
    const packageFile = join(out, 'package');
    const receivedFile = join(out, 'received.json');
    writeFileAtomic(packageFile, encodePackageFile(file), 0o644);
    const v = verifyPackageAs(research, file);
    if (!v.ok) throw new Error(`${v.failed}: ${v.reason}`);
    writeFileAtomic(receivedFile, JSON.stringify(v.payload.bundle, null, 2), 0o644);
    const resources = v.payload.bundle.entry?.length ?? 0;
    say('the entity verifies', `${v.checks.length} checks hold; ${resources} resources decrypted`);
    return { requestId, resources, packageFile, receivedFile, checks: v.checks.map(({ name, detail }) => ({ name, detail })) };
  });
}
