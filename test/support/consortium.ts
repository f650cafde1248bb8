/**
 * An in-process consortium of real nodes, each with its own data folder and database: two
 * hospitals (St Mary founds the network and validates all three chains; Riverside is a member),
 * a patient laptop, an insurer and a research institute. `sync()` plays the network's part as
 * the peer protocol does (src-main/net): pending transactions go to the validator, certified
 * blocks come back to every node for the chains its role replicates (verified on append; the
 * patient laptop, a light client, receives headers and its own transactions with proofs as the
 * validator's NodeSyncStore serves them), and blobs travel only where the access rules let them.
 */
import { join } from 'node:path';
import { fromHex, toHex } from '../../src-main/codec/hex';
import { isLightFor, mayReceiveBlob, type BlobMeta } from '../../src-main/net/acl';
import { NodeSyncStore } from '../../src-main/node/sync-adapter';
import { TrichainNode } from '../../src-main/node/node';
import { TxRejected } from '../../src-main/ledger/rules/types';
import { canonicalDecode } from '../../src-main/codec/canonical';
import { type ChainId, type SignedTx } from '../../src-main/ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';
import { tempDir } from './ledger';
import { findPatientByFhirId, type PatientEntry } from '../../src-main/emr/patients';
import { enrolPatient, makeEnrolmentRequest } from '../../src-main/emr/enrol';
import { packagesOf } from '../../src-main/emr/share/answers';
import { allRequests } from '../../src-main/ledger/rules/social';

const fast = { N: 2 ** 10 };
const PASS = 'consortium-passphrase';

export interface Consortium {
  stMary: TrichainNode;
  riverside: TrichainNode;
  insurer: TrichainNode;
  research: TrichainNode;
  nodes: TrichainNode[];
  sync(): Promise<void>;
  /**
   * The patient's own laptop makes its keys and enrols at `from` (the hospital registers only the
   * public keys). `entry` is updated in place: its pk becomes the patient's key.
   */
  addPatientLaptop(entry: PatientEntry, from: TrichainNode): Promise<TrichainNode>;
  close(): void;
}

const replicates = (n: TrichainNode): ChainId[] => (n.config.role === 'hospital' ? [...CHAINS] : n.config.role === 'patient' ? ['patient'] : ['social']);

export async function makeConsortium(): Promise<Consortium> {
  const stMary = await TrichainNode.init(tempDir('stmary-'), { role: 'hospital', name: 'St Mary Hospital', passphrase: PASS, found: true, network: 'Demo consortium', scrypt: fast });
  const riverside = await TrichainNode.init(tempDir('riverside-'), { role: 'hospital', name: 'Riverside Clinic', passphrase: PASS, scrypt: fast });
  const insurer = await TrichainNode.init(tempDir('insurer-'), { role: 'entity', kind: 'insurer', name: 'Acme Health Insurance', passphrase: PASS, scrypt: fast });
  const research = await TrichainNode.init(tempDir('research-'), { role: 'entity', kind: 'research', name: 'Institute for Outcomes Research', passphrase: PASS, scrypt: fast });
  const nodes = [stMary, riverside, insurer, research];

  // Founding hospital admits the others (each newcomer's proof of possession is checked on chain).
  for (const chain of CHAINS) {
    stMary.submit(chain, 'member.register', { role: 'hospital', name: riverside.config.name, blsPk: riverside.identity.blsPublicKey, x25519Pk: riverside.identity.x25519PublicKey, pop: riverside.identity.proofOfPossession() });
  }
  for (const e of [insurer, research]) {
    stMary.submit('social', 'member.register', { role: 'entity', kind: e.config.kind!, name: e.config.name, blsPk: e.identity.blsPublicKey, x25519Pk: e.identity.x25519PublicKey, pop: e.identity.proofOfPossession() });
  }
  for (const n of nodes.slice(1)) joinChains(stMary, n);

  const sync = async () => {
    for (let round = 0; round < 3; round++) {
      for (const n of nodes) if (n !== stMary) relayPending(n, stMary);
      for (const c of CHAINS) stMary.commitPending(c);
      for (const n of nodes) if (n !== stMary) pullBlocks(stMary, n);
      const index = blobIndex(stMary);
      for (const to of nodes) for (const from of nodes) if (to !== from) copyBlobs(to, from, stMary, index);
    }
  };

  const c: Consortium = {
    stMary, riverside, insurer, research, nodes, sync,
    async addPatientLaptop(entry, from) {
      const laptop = await TrichainNode.init(tempDir('patient-'), { role: 'patient', name: entry.display, passphrase: PASS, scrypt: fast });
      joinChains(stMary, laptop);
      nodes.push(laptop);
      await enrolPatient(from, { fhirId: entry.fhirId, request: makeEnrolmentRequest(laptop.identity), waitForCommit: sync });
      Object.assign(entry, findPatientByFhirId(from, entry.fhirId));
      await sync();
      return laptop;
    },
    close() {
      for (const n of nodes) n.close();
    },
  };
  await sync();
  return c;
}

/** A joining node receives the genesis of the chains its role replicates, and trusts the others' hashes. */
function joinChains(founder: TrichainNode, n: TrichainNode): void {
  for (const chain of CHAINS) {
    const g = founder.ledger.genesis(chain);
    if (replicates(n).includes(chain)) n.ledger.initGenesis(g, { light: isLightFor(n.config.role, chain) });
    else n.ledger.trustGenesis(g, founder.ledger.genesisHash(chain));
  }
}

/** As the node's relay does: a refusal after an earlier uncommitted own transaction of the chain waits for the next round. */
function relayPending(from: TrichainNode, validator: TrichainNode): void {
  const rows = from.db.prepare("SELECT id, bytes FROM outbox WHERE status IN ('pending', 'submitted') ORDER BY created").all() as { id: Buffer; bytes: Buffer }[];
  const earlier = new Set<ChainId>();
  const blocked = new Set<ChainId>();
  for (const r of rows) {
    const tx = canonicalDecode(new Uint8Array(r.bytes)) as unknown as SignedTx;
    if (blocked.has(tx.chain)) continue;
    try {
      validator.submitSigned(tx, { own: false, defer: true });
      from.db.prepare("UPDATE outbox SET status = 'submitted' WHERE id = ? AND status = 'pending'").run(r.id);
    } catch (e) {
      if (!(e instanceof TxRejected)) throw e;
      if (earlier.has(tx.chain) && !/already/.test(e.reason)) blocked.add(tx.chain);
      else if (!/already/.test(e.reason)) from.db.prepare("UPDATE outbox SET status = 'rejected', detail = ? WHERE id = ?").run(e.reason, r.id);
    }
    earlier.add(tx.chain);
  }
}

function pullBlocks(source: TrichainNode, n: TrichainNode): void {
  const served = new NodeSyncStore(source);
  const own = new NodeSyncStore(n);
  for (const chain of replicates(n)) {
    for (let h = n.ledger.height(chain) + 1; h <= source.ledger.height(chain); h++) {
      if (n.ledger.isLight(chain)) {
        own.appendLight(chain, served.lightBlockBytes(chain, h, n.identity.blsPublicKey)!);
        continue;
      }
      n.ledger.appendBlock(chain, source.ledger.blockBytes(chain, h)!);
      n.emit('block', { chain, height: h });
    }
  }
}

/** Copies every blob `to` is entitled to (net/acl rules) from `from`. */
function copyBlobs(to: TrichainNode, from: TrichainNode, validator: TrichainNode, index: Map<string, BlobMeta>): void {
  const peer = { role: to.config.role, blsPk: to.identity.blsPublicKey, validatorOf: to === validator ? [...CHAINS] : [] };
  const rows = from.db.prepare('SELECT hash, bytes FROM blobs').all() as { hash: Buffer; bytes: Buffer }[];
  for (const r of rows) {
    if (to.blobs.has(r.hash)) continue;
    if (mayReceiveBlob(peer, index.get(toHex(r.hash)))) to.blobs.put(new Uint8Array(r.bytes));
  }
}

/** What the validator's chains say each blob is: a record version (whose, which orgs hold keys) or a package (for whom). */
function blobIndex(node: TrichainNode): Map<string, BlobMeta> {
  const out = new Map<string, BlobMeta>();
  // A package per (request, hospital that shared): src-main/emr/share/answers.ts.
  const social = node.ledger.state('social');
  for (const r of allRequests(social)) {
    for (const { answer } of packagesOf(social, r)) out.set(toHex(answer.packageHash), { kind: 'package', publisher: answer.hospital, addressedTo: [r.entity] });
  }
  const st = node.ledger.state('hospital');
  const heads = new Map<string, { patient: Uint8Array; org: Uint8Array }>();
  const holders = new Map<string, Uint8Array[]>();
  const versions: [string, string, Uint8Array][] = [];
  for (const [k, v] of st.scan('record/')) {
    const parts = k.split('/');
    if (parts.length === 2) heads.set(parts[1], v as never);
    else if (parts.length === 4) versions.push([parts[1], parts[3], (v as { blobHash: Uint8Array }).blobHash]);
    else if (parts.length === 6 && parts[5] !== 'patient') {
      const key = `${parts[1]}/${parts[3]}`;
      holders.set(key, [...(holders.get(key) ?? []), fromHex(parts[5])]);
    }
  }
  for (const [id, ver, hash] of versions) {
    const head = heads.get(id)!;
    out.set(toHex(hash), { kind: 'record', patient: head.patient, author: head.org, keyHolders: holders.get(`${id}/${ver}`) ?? [] });
  }
  return out;
}

export { join, PASS };
