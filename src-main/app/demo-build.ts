/**
 * The demo's first run (./demo): St Mary founds the network, the others join it the way real nodes
 * do (invite → join → admit, in process), the Synthea bundles are imported, Milan's laptop makes
 * his keys and enrols at both hospitals, and (with `quorum`) four hospitals take over validating
 * the hospital and social chains. `startDemoNode` starts one demo node through the composition root.
 */
import { join } from 'node:path';
import { toHex } from '../codec/hex';
import { auditImport, mirrorAudit } from '../emr/audit';
import { classifyResource } from '../emr/classify/index';
import { riversideVisit } from '../emr/demo/visit';
import { enrolPatient, makeEnrolmentRequest } from '../emr/enrol';
import { registerPatient, type PatientEntry } from '../emr/patients';
import { importBundle, storeRecord, toLabelsBody } from '../emr/records';
import { driveShares } from '../emr/share/workflow';
import { admitPeer } from '../node/admit';
import type { Daemon } from '../node/daemon';
import { acceptInvite, acceptJoinRequest, inviteFromNodeValues, joinRequest, localGenesisHex } from '../node/join';
import { TrichainNode } from '../node/node';
import { startRuntime, type NodeRuntime } from '../node/runtime';
import type { DemoOptions } from './demo';
import { DEMO_CONSENSUS, DEMO_VALIDATOR_ORDER, QUORUM_CHAINS, growValidatorSets, quorumCommits } from './demo-quorum';
import { DEMO_NETWORK, DEMO_ROLES, nodeInfo, type DemoNodeKey, type DemoPatient, type DemoRole } from './demo-roles';
import { DemoError, freshRound, holdsAllLinkedBlobs, linkedBlobsHeld, matchesHeads, noUnsettled, settleOn } from './demo-settle';

/** Demo keystores: light scrypt (synthetic data only). */
const DEMO_SCRYPT = { N: 2 ** 14 };


// ---- the consortium ---------------------------------------------------------------------------

export interface DemoCtx {
  base: string;
  passphrase: string;
  nodes: Partial<Record<DemoNodeKey, TrichainNode>>;
  daemons: Partial<Record<DemoNodeKey, Daemon>>;
  runtimes: Partial<Record<DemoNodeKey, NodeRuntime>>;
  opts: DemoOptions;
  timeoutMs: number;
  step(label: string): void;
  /** Each joiner's signed join request (its binding line), by role. */
  joinRequests: Map<DemoNodeKey, string>;
  /** Progress inside the current step. */
  detail(label: string): void;
}

export async function startDemoNode(ctx: DemoCtx, role: DemoNodeKey, node: TrichainNode): Promise<Daemon> {
  const log = ctx.opts.log ? (l: string) => ctx.opts.log!(`[${role}] ${l}`) : undefined;
  // A chain St Mary validates alone is made by the daemon's producer; the engines take over a chain
  // once four hospitals validate it (demo-quorum.ts).
  const runtime = await startRuntime(node, { log, peers: { syncIntervalMs: ctx.opts.syncIntervalMs ?? 1000 }, consensus: DEMO_CONSENSUS });
  const d = runtime.daemon!;
  // A hospital's shares advance as blocks commit (emr/share/workflow.ts).
  driveShares(runtime, log);
  ctx.runtimes[role] = runtime;
  ctx.daemons[role] = d;
  return d;
}

/** The invite St Mary hands out (built from the running node: no second open of its store). */
function stMaryInvite(stMary: TrichainNode, d: Daemon): string {
  return inviteFromNodeValues({
    network: stMary.config.network ?? null,
    listen: d.listen,
    genesisHex: localGenesisHex(stMary),
    tlsFingerprint: d.fingerprint,
    identity: { blsPublicKey: stMary.identity.blsPublicKey, role: stMary.config.role, name: stMary.config.name, sign: (m) => stMary.identity.sign(m) },
  });
}

/**
 * invite → join → admit, in process: the joiner accepts St Mary's invite (pins it, records the
 * genesis hashes) and makes its join request; St Mary pins it and registers it as a member of
 * the chains its role replicates (as `trichain admit` does); the joiner then syncs.
 */
async function joinStMary(ctx: DemoCtx, role: DemoNodeKey, node: TrichainNode, invite: string): Promise<void> {
  const stMary = ctx.nodes.stMary!;
  const stD = ctx.daemons.stMary!;
  const d = await startDemoNode(ctx, role, node);
  acceptInvite({ dataDir: node.paths.dir, invite, bls: node.bls, localGenesisHex: localGenesisHex(node) });
  // St Mary's side (trichain admit). A hospital is pinned with its address so that St Mary, the
  // validator, also fetches the ciphertexts of the records it writes; the others only dial St Mary.
  const binding = joinRequest(node, d.fingerprint);
  admitPeer(stMary, binding, { kind: nodeInfo(role).kind });
  await freshRound(stD);
  await settleOn(`${nodeInfo(role).name} has synced its chains`, [d], [stMary, node], () => matchesHeads(node, stMary), ctx.timeoutMs);
  ctx.joinRequests.set(role, binding);
}

/** Riverside's waitForCommit: relay, let St Mary commit, pull the blocks back, until nothing is outstanding. */
function commitVia(ctx: DemoCtx, role: DemoRole): () => Promise<void> {
  const node = ctx.nodes[role]!;
  return () => settleOn(`${DEMO_ROLES[role].name}'s transactions have committed`, [ctx.daemons[role]!], [ctx.nodes.stMary!, node], () => noUnsettled(node), ctx.timeoutMs);
}

export async function createDemo(ctx: DemoCtx, bundles: { name: string; bundle: unknown }[]): Promise<DemoPatient[]> {
  const { base, passphrase } = ctx;
  const init = (role: DemoNodeKey, extra: { found?: boolean; network?: string } = {}) => {
    const r = nodeInfo(role);
    return TrichainNode.init(join(base, r.dir), { role: r.nodeRole, name: r.name, kind: r.kind, passphrase, scrypt: DEMO_SCRYPT, ...extra });
  };

  ctx.step('Founding the network at St Mary Hospital');
  const stMary = (ctx.nodes.stMary = await init('stMary', { found: true, network: DEMO_NETWORK }));
  const stD = await startDemoNode(ctx, 'stMary', stMary);
  const invite = stMaryInvite(stMary, stD);

  const quorum = ctx.opts.quorum !== false;
  for (const role of ['riverside', 'insurer', 'research', ...(quorum ? DEMO_VALIDATOR_ORDER : [])] as const) {
    ctx.step(`${nodeInfo(role).name} joins the network`);
    const n = (ctx.nodes[role] = await init(role));
    await joinStMary(ctx, role, n, invite);
  }
  const riverside = ctx.nodes.riverside!;
  // Each hospital answers a share request for itself (issue 11), and an entity receives a package
  // from the hospital that published it (net/acl.ts): Riverside pins the outside organizations too,
  // as it would admit their peer lines (they are members already, so nothing is registered).
  for (const role of ['insurer', 'research'] as const) acceptJoinRequest({ dataDir: riverside.paths.dir, binding: ctx.joinRequests.get(role)!, bls: riverside.bls, expectedRole: 'entity' });

  const byName = new Map(bundles.map((b) => [b.name, b.bundle]));
  const need = (name: string): unknown => {
    const b = byName.get(name);
    if (!b) throw new DemoError(`demo bundle ${name} is missing`);
    return b;
  };
  const patients: DemoPatient[] = [];
  const importAt = async (role: DemoRole, name: string): Promise<PatientEntry> => {
    const node = ctx.nodes[role]!;
    const label = `Importing ${name} at ${DEMO_ROLES[role].name}`;
    ctx.step(label);
    const r = await importBundle(node, need(name), {
      onProgress: (p) => ctx.detail(`${label} (${p.done}/${p.total} records)`),
      waitForCommit: node.isSoloValidator('patient') ? undefined : commitVia(ctx, role),
    });
    auditImport(node, r); // in the patient's trail, as an import from the Import screen is
    const entry = r.patients[0];
    if (!entry) throw new DemoError(`the ${name} bundle holds no patient`);
    patients.push({ name, pk: toHex(entry.pk), fhirId: entry.fhirId, hospital: role });
    return entry;
  };
  await importAt('stMary', 'Clemente Kreiger');
  const milan = await importAt('stMary', 'Milan Beatty');
  await importAt('riverside', 'Laurie McCullough');

  ctx.step("Recording Milan Beatty's visit at Riverside Clinic");
  // Riverside registers Milan in its own index only (a provisional id): he has not enrolled yet,
  // so the visit is wrapped for Riverside alone until he does.
  const atRiverside = registerPatient(riverside, { fhirId: milan.fhirId, display: milan.display, birthYear: milan.birthYear, mrn: milan.mrn });
  for (const resource of riversideVisit(milan.fhirId)) {
    storeRecord(riverside, { resource, labels: toLabelsBody(classifyResource(resource)), patient: atRiverside });
    mirrorAudit(riverside, atRiverside.pk, 'record.added', { organization: riverside.config.name, resourceType: resource.resourceType });
  }

  ctx.step('Riverside Clinic: waiting for St Mary to commit and replicate');
  await commitVia(ctx, 'riverside')();
  await settleOn('Riverside has every block', [ctx.daemons.riverside!], [stMary, riverside], () => matchesHeads(riverside, stMary), ctx.timeoutMs);
  // Now St Mary dials Riverside too: the validator keeps a replica of every record ciphertext (the
  // patient laptop fetches Milan's Riverside records there). Pinned with its address only now that
  // Riverside has applied the blocks anchoring its records: a node serves a ciphertext only once
  // it knows it from a committed block, and a refused fetch is retried only 30 s later.
  admitPeer(stMary, ctx.joinRequests.get('riverside')!, { address: ctx.daemons.riverside!.listen }); // already a member: re-pins with its address
  await freshRound(stD);
  // St Mary, the validator, keeps a replica of every ciphertext (it serves them to the patient laptop).
  await settleOn('St Mary holds every record ciphertext', [stD], [stMary], () => holdsAllLinkedBlobs(stMary), ctx.timeoutMs, () => linkedBlobsHeld(stMary).held);

  ctx.step("Milan Beatty's laptop makes his keys and enrols at both hospitals");
  // The keys are made on the laptop; the hospitals receive only its enrolment request (public keys
  // and proof of possession). The recovery phrase would be shown to Milan once; the demo keeps none.
  const laptop = (ctx.nodes.patient = await init('patient'));
  await joinStMary(ctx, 'patient', laptop, invite);
  const request = makeEnrolmentRequest(laptop.identity);
  await enrolPatient(stMary, { fhirId: milan.fhirId, request });
  await settleOn('Riverside sees Milan enrolled', [ctx.daemons.riverside!], [stMary, riverside], () => matchesHeads(riverside, stMary), ctx.timeoutMs);
  await enrolPatient(riverside, { fhirId: milan.fhirId, request, waitForCommit: commitVia(ctx, 'riverside') });
  await commitVia(ctx, 'riverside')();
  const milanEntry = patients.find((p) => p.pk === toHex(milan.pk))!;
  milanEntry.pk = laptop.publicKeyHex;
  milanEntry.laptop = 'patient';
  if (!quorum) return patients;

  ctx.step('Four hospitals take over validating the hospital and social chains');
  const validators: DemoNodeKey[] = ['stMary', 'riverside', ...DEMO_VALIDATOR_ORDER];
  await settleOn('the validators hold St Mary\'s heads', validators.filter((v) => v !== 'stMary').map((v) => ctx.daemons[v]!), [stMary], () => validators.every((v) => matchesHeads(ctx.nodes[v]!, stMary)), ctx.timeoutMs);
  growValidatorSets(stMary, ['riverside', ...DEMO_VALIDATOR_ORDER].map((v) => ctx.joinRequests.get(v as DemoNodeKey)!));
  await settleOn(
    'the hospital and social chains commit with three or more of four signers',
    validators.map((v) => ctx.daemons[v]!),
    validators.map((v) => ctx.nodes[v]!),
    () => validators.every((v) => QUORUM_CHAINS.every((c) => quorumCommits(ctx.nodes[v]!, c))),
    ctx.timeoutMs,
  );
  return patients;
}
