/**
 * The training demo (DESIGN.md §2, "trainer"): a whole consortium on one machine, in one process.
 * Five real nodes, each with its own data folder, database, keystore and HTTPS peer server (mutual
 * TLS) on 127.0.0.1, connected the way real nodes are (invite → join → admit):
 *
 *   stMary     St Mary Hospital         hospital; founds the network; validates all three chains (the patient chain alone)
 *   riverside  Riverside Clinic         hospital; one of the four validators of the hospital and social chains
 *   patient    Milan Beatty's laptop    patient; makes its own keys and enrols at both hospitals; a light client of the patient chain (headers and its own entries)
 *   insurer    Acme Health Insurance    entity (kind insurer); social chain only
 *   research   Institute for Outcomes Research   entity (kind research); social chain only
 *
 * and two small member hospitals that only validate the hospital and social chains with St Mary and
 * Riverside (Northside Hospital, Lakeside Hospital: app/demo-quorum.ts says why), not in the role switcher.
 *
 * Seed data: the Synthea bundles shipped in src-main/emr/demo (synthetic people, no real data):
 * Clemente Kreiger and Milan Beatty at St Mary, Laurie McCullough at Riverside, plus a short
 * Riverside visit for Milan written here (so the patient laptop shows records from two hospitals).
 *
 * First run (no BASE/demo.json): builds all of it and writes BASE/demo.json. Later runs open the
 * five nodes again on the listen addresses recorded in each node.json: no import, a few seconds.
 *
 * Passphrase: every demo keystore is locked with DEMO_PASSPHRASE ('trichain-demo') unless the
 * caller passes another, and with light scrypt parameters. That is acceptable only because the
 * demo data is synthetic; never put real records in a demo folder.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toHex } from '../codec/hex';
import { acceptInvite, inviteFromNodeValues, joinRequest, localGenesisHex } from '../node/join';
import { PeerList } from '../net/peers';
import type { NodeRole } from '../node/config';
import type { Daemon } from '../node/daemon';
import { startRuntime, type NodeRuntime } from '../node/runtime';
import { writeJsonAtomic } from '../node/files';
import { TrichainNode } from '../node/node';
import { admitPeer } from '../node/admit';
import { classifyResource } from '../emr/classify/index';
import { loadDemoBundles } from '../emr/demo/index';
import { myRecords } from '../emr/patient-view';
import { enrolPatient, makeEnrolmentRequest } from '../emr/enrol';
import { registerPatient, type PatientEntry } from '../emr/patients';
import { importBundle, storeRecord, toLabelsBody } from '../emr/records';
import { riversideVisit } from '../emr/demo/visit';
import { DemoError, freshRound, highestHeads, holdsAllLinkedBlobs, linkedBlobsHeld, matchesHeads, noUnsettled, reached, settleOn } from './demo-settle';
import { DEMO_CONSENSUS, DEMO_VALIDATORS, DEMO_VALIDATOR_ORDER, QUORUM_CHAINS, growValidatorSets, quorumCommits, type DemoValidator } from './demo-quorum';
import { driveShares } from '../emr/share/workflow';

export type DemoRole = 'stMary' | 'riverside' | 'patient' | 'insurer' | 'research';
/** Every node of the demo: the five roles and the two validator-only hospitals. */
type NodeKey = DemoRole | DemoValidator;

export interface DemoRoleInfo {
  /** For the role switcher, e.g. "St Mary Hospital — clinician". */
  label: string;
  /** The node's name (node.json, chain membership). */
  name: string;
  nodeRole: NodeRole;
  /** Entity kind on the social chain (entities only). */
  kind?: 'insurer' | 'research';
  /** Data folder under the demo's base folder. */
  dir: string;
  /** What the trainer can show in this role. */
  description: string;
}

export const DEMO_PASSPHRASE = 'trichain-demo';
export const DEMO_NETWORK = 'Trichain demo consortium';
export const DEMO_FILE = 'demo.json';

export const DEMO_ROLES: Readonly<Record<DemoRole, DemoRoleInfo>> = Object.freeze({
  stMary: {
    label: 'St Mary Hospital — clinician',
    name: 'St Mary Hospital',
    nodeRole: 'hospital',
    dir: 'st-mary',
    description:
      'The founding hospital and the validator of all three chains. Holds Milan Beatty (depression: sensitive mental-health records) and Clemente Kreiger (no sensitive category). Show the chart, the labels and their reasons, and answer share requests.',
  },
  riverside: {
    label: 'Riverside Clinic — clinician',
    name: 'Riverside Clinic',
    nodeRole: 'hospital',
    dir: 'riverside',
    description:
      'A second hospital, a member but not a validator: what it writes is relayed to St Mary and committed there. Holds Laurie McCullough (reproductive health) and a recent visit of Milan Beatty.',
  },
  patient: {
    label: 'Milan Beatty — patient',
    name: 'Milan Beatty',
    nodeRole: 'patient',
    dir: 'patient',
    description:
      "Milan's own laptop: it made Milan's keys (no hospital holds them) and enrolled at both hospitals. Holds the patient chain as a light client: block headers with their certificates and only Milan's own entries, each with its inclusion proof; shows Milan's records from both hospitals; grants and revokes consent, each signed with a key for that grantee; shows who accessed what.",
  },
  insurer: {
    label: 'Acme Health Insurance — claims desk',
    name: 'Acme Health Insurance',
    nodeRole: 'entity',
    kind: 'insurer',
    dir: 'insurer',
    description: 'An insurer: replicates only the social chain. Requests categories of data for a stated purpose and verifies the packages it receives.',
  },
  research: {
    label: 'Institute for Outcomes Research — study team',
    name: 'Institute for Outcomes Research',
    nodeRole: 'entity',
    kind: 'research',
    dir: 'research',
    description: 'A research institute: replicates only the social chain. Requests de-identified data for research, verifies provenance and exports it.',
  },
});

export const DEMO_ROLE_ORDER: readonly DemoRole[] = Object.freeze(['stMary', 'riverside', 'patient', 'insurer', 'research'] as const);

/** Name, folder and node role of any demo node, role or validator-only hospital. */
function nodeInfo(key: NodeKey): { name: string; dir: string; nodeRole: NodeRole; kind?: 'insurer' | 'research' } {
  return key in DEMO_ROLES ? DEMO_ROLES[key as DemoRole] : { ...DEMO_VALIDATORS[key as DemoValidator], nodeRole: 'hospital' };
}

export interface DemoPatient {
  name: string;
  /** BLS public key, hex. */
  pk: string;
  fhirId: string;
  /** The hospital that registered the patient. */
  hospital: DemoRole;
  /** The demo role whose node is this patient's own laptop, if any. */
  laptop?: DemoRole;
}

export { DemoError };

export interface DemoOptions {
  /** Keystore passphrase of every demo node (default DEMO_PASSPHRASE). */
  passphrase?: string;
  onProgress?(step: string, done: number, total: number): void;
  log?(line: string): void;
  /** Daemon catch-up interval (default 1000 ms). */
  syncIntervalMs?: number;
  /** Bound on every wait (default 120 s). */
  timeoutMs?: number;
  /**
   * Build the consortium with four hospitals validating the hospital and social chains
   * (demo-quorum.ts; `TRICHAIN_DEMO_QUORUM=1`, `trichain demo --quorum`). Default: St Mary alone.
   * A demo folder keeps what it was built with.
   */
  quorum?: boolean;
}

export interface Demo {
  readonly baseDir: string;
  /** True when this start built the consortium (false: reopened an existing one). */
  readonly created: boolean;
  readonly nodes: Record<DemoRole, TrichainNode>;
  readonly daemons: Record<DemoRole, Daemon>;
  /** The validator-only hospitals (absent in a demo folder made before they existed). */
  readonly validators: Partial<Record<DemoValidator, TrichainNode>>;
  /** The runtime (daemon, consensus) of any demo node: a trainer stops one and starts it again. */
  runtime(key: NodeKey): NodeRuntime | null;
  stopNode(key: NodeKey): Promise<void>;
  startNode(key: NodeKey): Promise<void>;
  readonly patients: DemoPatient[];
  readonly roles: Readonly<Record<DemoRole, DemoRoleInfo>>;
  /** Runs a catch-up round on every node until each holds St Mary's heads (bounded). */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}


interface DemoFile {
  version: 1;
  network: string;
  created: string;
  roles: Record<DemoRole, { dir: string; name: string; nodeRole: NodeRole; kind?: string }>;
  /** The validator-only hospitals' folders (demo folders made before them have none). */
  validators?: Partial<Record<DemoValidator, { dir: string; name: string }>>;
  patients: DemoPatient[];
}

/** Demo keystores: light scrypt (synthetic data only). */
const DEMO_SCRYPT = { N: 2 ** 14 };
const SETUP_MARKER = '.demo-setup';


// ---- the consortium ---------------------------------------------------------------------------

interface Ctx {
  base: string;
  passphrase: string;
  nodes: Partial<Record<NodeKey, TrichainNode>>;
  daemons: Partial<Record<NodeKey, Daemon>>;
  runtimes: Partial<Record<NodeKey, NodeRuntime>>;
  opts: DemoOptions;
  timeoutMs: number;
  step(label: string): void;
  /** Each joiner's signed join request (its binding line), by role. */
  joinRequests: Map<NodeKey, string>;
  /** Progress inside the current step. */
  detail(label: string): void;
}

async function startDaemon(ctx: Ctx, role: NodeKey, node: TrichainNode): Promise<Daemon> {
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
async function joinStMary(ctx: Ctx, role: NodeKey, node: TrichainNode, invite: string): Promise<void> {
  const stMary = ctx.nodes.stMary!;
  const stD = ctx.daemons.stMary!;
  const d = await startDaemon(ctx, role, node);
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
function commitVia(ctx: Ctx, role: DemoRole): () => Promise<void> {
  const node = ctx.nodes[role]!;
  return () => settleOn(`${DEMO_ROLES[role].name}'s transactions have committed`, [ctx.daemons[role]!], [ctx.nodes.stMary!, node], () => noUnsettled(node), ctx.timeoutMs);
}

async function createDemo(ctx: Ctx, bundles: { name: string; bundle: unknown }[]): Promise<DemoPatient[]> {
  const { base, passphrase } = ctx;
  const init = (role: NodeKey, extra: { found?: boolean; network?: string } = {}) => {
    const r = nodeInfo(role);
    return TrichainNode.init(join(base, r.dir), { role: r.nodeRole, name: r.name, kind: r.kind, passphrase, scrypt: DEMO_SCRYPT, ...extra });
  };

  ctx.step('Founding the network at St Mary Hospital');
  const stMary = (ctx.nodes.stMary = await init('stMary', { found: true, network: DEMO_NETWORK }));
  const stD = await startDaemon(ctx, 'stMary', stMary);
  const invite = stMaryInvite(stMary, stD);

  const quorum = ctx.opts.quorum === true;
  for (const role of ['riverside', 'insurer', 'research', ...(quorum ? DEMO_VALIDATOR_ORDER : [])] as const) {
    ctx.step(`${nodeInfo(role).name} joins the network`);
    const n = (ctx.nodes[role] = await init(role));
    await joinStMary(ctx, role, n, invite);
  }
  const riverside = ctx.nodes.riverside!;

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
  const atRiverside = registerPatient(riverside, { fhirId: milan.fhirId, display: milan.display, birthYear: milan.birthYear });
  for (const resource of riversideVisit(milan.fhirId)) {
    storeRecord(riverside, { resource, labels: toLabelsBody(classifyResource(resource)), patient: atRiverside });
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
  const validators: NodeKey[] = ['stMary', 'riverside', ...DEMO_VALIDATOR_ORDER];
  await settleOn('the validators hold St Mary\'s heads', validators.filter((v) => v !== 'stMary').map((v) => ctx.daemons[v]!), [stMary], () => validators.every((v) => matchesHeads(ctx.nodes[v]!, stMary)), ctx.timeoutMs);
  growValidatorSets(stMary, ['riverside', ...DEMO_VALIDATOR_ORDER].map((v) => ctx.joinRequests.get(v as NodeKey)!));
  await settleOn(
    'the hospital and social chains commit with three or more of four signers',
    validators.map((v) => ctx.daemons[v]!),
    validators.map((v) => ctx.nodes[v]!),
    () => validators.every((v) => QUORUM_CHAINS.every((c) => quorumCommits(ctx.nodes[v]!, c))),
    ctx.timeoutMs,
  );
  return patients;
}

/** The nodes of a demo folder: its five roles and the validator-only hospitals it has. */
const nodesOf = (file: DemoFile): NodeKey[] => [...DEMO_ROLE_ORDER, ...DEMO_VALIDATOR_ORDER.filter((v) => file.validators?.[v])];

async function openDemo(ctx: Ctx, file: DemoFile): Promise<void> {
  const keys = nodesOf(file);
  for (const role of keys) {
    ctx.step(`Opening ${role in DEMO_ROLES ? DEMO_ROLES[role as DemoRole].label : nodeInfo(role).name}`);
    const dir = join(ctx.base, role in DEMO_ROLES ? file.roles[role as DemoRole].dir : file.validators![role as DemoValidator]!.dir);
    const node = (ctx.nodes[role] = await TrichainNode.open(dir, { passphrase: ctx.passphrase }));
    await startDaemon(ctx, role, node);
  }
  // A node that could not get its old port back: re-point the others' pins at its new address.
  const addressOf = new Map(keys.map((r) => [ctx.daemons[r]!.fingerprint, ctx.daemons[r]!.listen]));
  for (const role of keys) {
    const dir = ctx.nodes[role]!.paths.dir;
    const list = PeerList.load(dir);
    for (const p of list.list()) {
      const now = addressOf.get(p.fingerprint);
      if (now && p.address !== now && p.address !== '0.0.0.0:0') list.upsert({ ...p, address: now });
    }
  }
}

function readDemoFile(base: string): DemoFile | null {
  const f = join(base, DEMO_FILE);
  if (!existsSync(f)) return null;
  const v = JSON.parse(readFileSync(f, 'utf8')) as DemoFile;
  if (v.version !== 1 || !v.roles || !DEMO_ROLE_ORDER.every((r) => v.roles[r]?.dir)) throw new DemoError(`${f} is not a Trichain demo file`);
  return v;
}

/**
 * Starts the demo consortium in `baseDir`: builds it on the first run, reopens it afterwards.
 * Resolves once every node has the chains its role holds at St Mary's heads.
 */
export async function startDemo(baseDir: string, opts: DemoOptions = {}): Promise<Demo> {
  const base = resolve(baseDir);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const existing = readDemoFile(base);
  const bundles = existing ? [] : loadDemoBundles();
  const total = existing ? nodesOf(existing).length + 1 : opts.quorum ? 14 : 11;
  let done = 0;
  const ctx: Ctx = {
    base,
    passphrase: opts.passphrase ?? DEMO_PASSPHRASE,
    nodes: {},
    daemons: {},
    runtimes: {},
    joinRequests: new Map(),
    opts,
    timeoutMs: opts.timeoutMs ?? 120_000,
    step(label) {
      opts.log?.(`demo: [${done + 1}/${total}] ${label}`);
      opts.onProgress?.(label, done++, total);
    },
    detail(label) {
      opts.onProgress?.(label, Math.max(0, done - 1), total);
    },
  };
  const shutdown = async (): Promise<void> => {
    await Promise.all(Object.values(ctx.runtimes).map((r) => r!.stop().catch(() => {})));
    for (const n of Object.values(ctx.nodes)) n!.close();
  };

  let file: DemoFile;
  try {
    if (existing) {
      file = existing;
      await openDemo(ctx, file);
    } else {
      // A first run that did not finish left folders behind: they are ours (the marker says so).
      const marker = join(base, SETUP_MARKER);
      const leftovers = [...DEMO_ROLE_ORDER, ...DEMO_VALIDATOR_ORDER].filter((r) => existsSync(join(base, nodeInfo(r).dir)));
      if (leftovers.length > 0) {
        if (!existsSync(marker)) throw new DemoError(`${base} holds ${leftovers.map((r) => nodeInfo(r).dir).join(', ')} but no ${DEMO_FILE}: not a demo folder (choose an empty folder)`);
        for (const r of leftovers) rmSync(join(base, nodeInfo(r).dir), { recursive: true, force: true });
      }
      writeFileSync(marker, 'a demo consortium is being created here\n');
      const patients = await createDemo(ctx, bundles);
      file = {
        version: 1,
        network: DEMO_NETWORK,
        created: new Date().toISOString(),
        roles: Object.fromEntries(DEMO_ROLE_ORDER.map((r) => [r, { dir: DEMO_ROLES[r].dir, name: DEMO_ROLES[r].name, nodeRole: DEMO_ROLES[r].nodeRole, ...(DEMO_ROLES[r].kind ? { kind: DEMO_ROLES[r].kind } : {}) }])) as DemoFile['roles'],
        ...(opts.quorum ? { validators: { ...DEMO_VALIDATORS } } : {}),
        patients,
      };
    }
    const nodes = ctx.nodes as Record<DemoRole, TrichainNode>;
    const daemons = ctx.daemons as Record<DemoRole, Daemon>;
    const settle = async (timeoutMs = ctx.timeoutMs): Promise<void> => {
      // The running nodes (a trainer may have stopped a validator), St Mary's daemon first.
      const keys = nodesOf(file).filter((k) => ctx.runtimes[k]);
      const ds = keys.map((k) => ctx.daemons[k]!);
      const ns = keys.map((k) => ctx.nodes[k]!);
      // Outstanding own transactions first (relay, commit); then every node pulls the blocks up to
      // the highest validator's head of that moment (fixed: the quorum chains keep adding empty
      // blocks) and St Mary the ciphertexts it holds.
      await settleOn('every node\'s own transactions have committed', ds, ns, () => ns.every(noUnsettled), timeoutMs);
      const target = highestHeads(ns);
      await settleOn(
        'every node has synced',
        ds,
        ns,
        () => ns.every((n) => reached(n, target, nodes.stMary)) && holdsAllLinkedBlobs(nodes.stMary) && myRecords(nodes.patient).every((x) => x.available),
        timeoutMs,
      );
    };
    ctx.step('Waiting until every node has synced');
    await settle();
    if (!existing) {
      writeJsonAtomic(join(base, DEMO_FILE), file, 0o644);
      rmSync(join(base, SETUP_MARKER), { force: true });
    }
    opts.onProgress?.('Ready', total, total);
    let closing: Promise<void> | null = null;
    return {
      baseDir: base,
      created: !existing,
      nodes,
      daemons,
      validators: Object.fromEntries(DEMO_VALIDATOR_ORDER.filter((v) => ctx.nodes[v]).map((v) => [v, ctx.nodes[v]!])),
      runtime: (key) => ctx.runtimes[key] ?? null,
      // A trainer stops a node (its peer server, sync and consensus: as if its machine went
      // offline; its replica stays readable) and starts it again (it catches up).
      async stopNode(key) {
        const r = ctx.runtimes[key];
        if (!r) return;
        delete ctx.runtimes[key];
        await r.stop();
      },
      async startNode(key) {
        if (ctx.runtimes[key] || !ctx.nodes[key]) return;
        await startDaemon(ctx, key, ctx.nodes[key]!);
      },
      patients: file.patients.map((p) => ({ ...p })),
      roles: DEMO_ROLES,
      settle,
      close: () => (closing ??= shutdown()),
    };
  } catch (e) {
    await shutdown();
    throw e;
  }
}
