/**
 * The external sharing algorithm end to end (DESIGN.md §6, §8), on the in-process consortium of
 * real nodes (test/support/consortium.ts): a patient with ~500 resources (Milan's Synthea bundle,
 * imported once more under fresh ids for the same patient), then consent → request → provider
 * selects, de-identifies, encrypts, attests and publishes → entity verifies the cross-chain proof
 * and decrypts. Also the stored size of the proof's signature against one signature per party
 * per chain (BLS and ECDSA), counted from the actual proof.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { makeConsortium } from '../test/support/consortium';
import { importBundle, patientRecordIds } from '../src-main/emr/records';
import { grantConsent } from '../src-main/emr/consent';
import { fileShareRequest, openPackage } from '../src-main/emr/share/entity';
import { processShareRequest } from '../src-main/emr/share/provider';
import { bitmapIndices } from '../src-main/ledger/certificate';
import { loadDemoBundles } from '../src-main/emr/demo/index';
import { reissued, type BenchRow } from './util';
import { canonicalEncode, type Canonical } from '../src-main/codec/canonical';
import { txBytes, txId } from '../src-main/ledger/encoding';
import { releaseOf } from '../src-main/ledger/rules/release';
import { recordVersion } from '../src-main/ledger/rules/hospital';
import type { CrossChainProof } from '../src-main/emr/share/proof';
import type { TrichainNode } from '../src-main/node/node';

const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'fhir');

function milanBundle(): string {
  if (existsSync(SHARED)) return readFileSync(join(SHARED, readdirSync(SHARED).find((f) => f.startsWith('Milan'))!), 'utf8');
  return JSON.stringify(loadDemoBundles().find((b) => b.name.startsWith('Milan'))!.bundle);
}

/** Bytes of the signed share.publish transaction as the social chain stores it. */
function publishBytes(node: TrichainNode, proof: CrossChainProof): number {
  const loc = node.ledger.txLocation('social', txId(proof.publish.tx))!;
  return txBytes(node.ledger.block('social', loc.height)!.txs[loc.index]).length;
}

/** How many bytes more the attestation in the evidence would take listing every record (id, version, content hash). */
function listOverhead(node: TrichainNode, requestId: string, proof: CrossChainProof): number {
  const release = releaseOf(node.ledger.state('hospital'), requestId)!;
  const loc = node.ledger.txLocation('hospital', release.tx)!;
  const listed = (node.ledger.block('hospital', loc.height)!.txs[loc.index].body as { records: { recordId: string; version: number }[] }).records;
  const records = listed.map((r) => ({ recordId: r.recordId, version: r.version, contentHash: recordVersion(node.ledger.state('hospital'), r.recordId, r.version)!.contentHash }));
  const body = proof.attestation.tx.body as Record<string, unknown>;
  // (what the attestation held before: the list, and the labels summary the publication carried)
  const summary: Record<string, number> = {};
  for (const r of listed) {
    const c = recordVersion(node.ledger.state('hospital'), r.recordId, r.version)!.labels.category;
    summary[c] = (summary[c] ?? 0) + 1;
  }
  const listBody = { requestId: body.requestId, packageHash: body.packageHash, records, labelsSummary: summary } as unknown as Canonical;
  return canonicalEncode(listBody).length - canonicalEncode(body as unknown as Canonical).length;
}

export async function benchShare(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const c = await makeConsortium();
  try {
    const text = milanBundle();
    let t = performance.now();
    const first = await importBundle(c.stMary, JSON.parse(text));
    const second = await importBundle(c.stMary, reissued(text, 'b'));
    const third = await importBundle(c.stMary, reissued(text, 'c'));
    const importMs = performance.now() - t;
    const milan = first.patients[0];
    const count = patientRecordIds(c.stMary, milan.pk).length;
    rows.push({ group: 'share', name: `import ${count} resources of one patient`, value: (first.records + second.records + third.records) / (importMs / 1000), unit: 'res/s', note: `${importMs.toFixed(0)} ms: classify, encrypt, anchor, link` });
    await c.sync();
    const laptop = await c.addPatientLaptop(milan, c.stMary);
    const YEAR = 365 * 86_400_000;
    const { key: forResearch } = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: ['condition', 'observation', 'lab', 'vital-signs', 'medication', 'encounter', 'procedure', 'immunization', 'demographics'], period: { start: 0, end: Date.now() + YEAR } });
    const req = fileShareRequest(c.research, { patient: Buffer.from(forResearch, 'hex'), purpose: 'HRESCH', categories: ['condition', 'observation', 'lab', 'vital-signs', 'medication', 'encounter', 'procedure', 'immunization', 'demographics'], period: { start: -3e12, end: Date.now() + YEAR } }).requestId;
    await c.sync();
    t = performance.now();
    const outcome = processShareRequest(c.stMary, req);
    const providerMs = performance.now() - t;
    if (outcome.status !== 'published') throw new Error(`share was ${outcome.status}`);
    t = performance.now();
    await c.sync();
    const syncMs = performance.now() - t;
    t = performance.now();
    const opened = openPackage(c.research, req);
    const entityMs = performance.now() - t;
    const n = opened.bundle.entry?.length ?? 0;
    rows.push({ group: 'share', name: `provider: select, de-identify, encrypt, attest, publish (${count} → ${n} resources)`, value: providerMs, unit: 'ms' });
    rows.push({ group: 'share', name: 'entity: verify cross-chain proof, decrypt, CSV', value: entityMs, unit: 'ms' });
    rows.push({ group: 'share', name: 'whole share (provider + replication + entity)', value: providerMs + syncMs + entityMs, unit: 'ms', note: 'in-process replication stands in for the network' });

    // Storage: the proof's one aggregate against one signature per party per chain.
    const p = opened.proof;
    const signers = (['consent', 'attestation', 'publish'] as const).map((k) => {
      const chain = k === 'consent' ? 'patient' : k === 'attestation' ? 'hospital' : 'social';
      return bitmapIndices(p[k].signers, c.stMary.ledger.validatorsAt(chain, p[k].header.height).length).length;
    });
    const parties = 2 + signers.reduce((a, b) => a + b, 0);
    rows.push({ group: 'share-proof', name: `aggregate signature (${parties} signers: patient, hospital, ${signers.join('+')} validators)`, value: p.signature.length, unit: 'bytes', baseline: { name: 'one BLS signature per party', value: parties * 96 } });
    rows.push({ group: 'share-proof', name: 'aggregate signature vs one ECDSA per party', value: p.signature.length, unit: 'bytes', baseline: { name: 'secp256k1, 64 B each', value: parties * 64 } });

    // Social-chain bytes per share: the whole signed share.publish transaction (evidence with the
    // constant-size attestation, wrapped key, labels summary, signature), for this ~500-record
    // share and for a small one; beside it, the same transaction had the attestation listed every
    // source record (record id, version, content hash), as it did before the Merkle attestation.
    const small = fileShareRequest(c.research, { patient: Buffer.from(forResearch, 'hex'), purpose: 'HRESCH', categories: ['immunization'], period: { start: -3e12, end: Date.now() + YEAR } }).requestId;
    await c.sync();
    if (processShareRequest(c.stMary, small).status !== 'published') throw new Error('small share was not published');
    await c.sync();
    const smallProof = openPackage(c.research, small).proof;
    for (const [label, proof, reqId] of [[`${n} records`, p, req], [`${(smallProof.attestation.tx.body as { count: number }).count} records`, smallProof, small]] as const) {
      const bytes = publishBytes(c.stMary, proof);
      rows.push({ group: 'share-bytes', name: `social chain per share, ${label} (Merkle root)`, value: bytes, unit: 'bytes', baseline: { name: 'record list', value: bytes + listOverhead(c.stMary, reqId, proof) }, note: 'the whole signed share.publish: evidence, wrapped key, count' });
    }
    rows.push({ group: 'share-bytes', name: 'evidence inside it (two headers, two audit paths, consent, attestation)', value: (p.publish.tx.body as { evidence: Uint8Array }).evidence.length, unit: 'bytes' });
    return rows;
  } finally {
    c.close();
  }
}

if (process.argv[1] && process.argv[1].endsWith('share.bench.ts')) {
  const { formatRows } = await import('./util');
  console.log(formatRows(await benchShare()));
}
