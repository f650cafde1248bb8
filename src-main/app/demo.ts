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
 *
 * Who is who: ./demo-roles; the first run: ./demo-build; waiting for the nodes: ./demo-settle.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDemoBundles } from '../emr/demo/index';
import { myRecords } from '../emr/patient-view';
import { PeerList } from '../net/peers';
import type { NodeRole } from '../node/config';
import type { Daemon } from '../node/daemon';
import { writeJsonAtomic } from '../node/files';
import { TrichainNode } from '../node/node';
import type { NodeRuntime } from '../node/runtime';
import { createDemo, startDemoNode, type DemoCtx } from './demo-build';
import { DEMO_VALIDATORS, DEMO_VALIDATOR_ORDER, type DemoValidator } from './demo-quorum';
import { DEMO_FILE, DEMO_NETWORK, DEMO_PASSPHRASE, DEMO_ROLE_ORDER, DEMO_ROLES, nodeInfo, type DemoNodeKey, type DemoPatient, type DemoRole, type DemoRoleInfo } from './demo-roles';
import { DemoError, highestHeads, holdsAllLinkedBlobs, noUnsettled, reached, settleOn } from './demo-settle';

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
   * (demo-quorum.ts), the default; false builds it with St Mary as the only validator
   * (`TRICHAIN_DEMO_QUORUM=0`, `trichain demo --solo`). A demo folder keeps what it was built with.
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
  runtime(key: DemoNodeKey): NodeRuntime | null;
  stopNode(key: DemoNodeKey): Promise<void>;
  startNode(key: DemoNodeKey): Promise<void>;
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

const SETUP_MARKER = '.demo-setup';

/** The nodes of a demo folder: its five roles and the validator-only hospitals it has. */
const nodesOf = (file: DemoFile): DemoNodeKey[] => [...DEMO_ROLE_ORDER, ...DEMO_VALIDATOR_ORDER.filter((v) => file.validators?.[v])];

async function openDemo(ctx: DemoCtx, file: DemoFile): Promise<void> {
  const keys = nodesOf(file);
  for (const role of keys) {
    ctx.step(`Opening ${role in DEMO_ROLES ? DEMO_ROLES[role as DemoRole].label : nodeInfo(role).name}`);
    const dir = join(ctx.base, role in DEMO_ROLES ? file.roles[role as DemoRole].dir : file.validators![role as DemoValidator]!.dir);
    const node = (ctx.nodes[role] = await TrichainNode.open(dir, { passphrase: ctx.passphrase }));
    await startDemoNode(ctx, role, node);
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
  const total = existing ? nodesOf(existing).length + 1 : opts.quorum !== false ? 14 : 11;
  let done = 0;
  const ctx: DemoCtx = {
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
  /** Nodes a trainer stopped whose daemon is still finishing its round. */
  const stopping = new Map<string, Promise<void>>();
  const shutdown = async (): Promise<void> => {
    await Promise.all([...Object.values(ctx.runtimes).map((r) => r!.stop().catch(() => {})), ...stopping.values()]);
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
        ...(opts.quorum !== false ? { validators: { ...DEMO_VALIDATORS } } : {}),
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
      // Its consensus engines stop at once; its daemon finishes the round in flight (a peer request
      // may take a while on a busy machine), so the trainer's click answers after at most a second
      // and a start waits for that round to end.
      async stopNode(key) {
        const r = ctx.runtimes[key];
        if (!r) return;
        delete ctx.runtimes[key];
        const done = r.stop().catch(() => {}).finally(() => stopping.delete(key));
        stopping.set(key, done);
        await Promise.race([done, new Promise((res) => setTimeout(res, 1000))]);
      },
      async startNode(key) {
        await stopping.get(key);
        if (ctx.runtimes[key] || !ctx.nodes[key]) return;
        await startDemoNode(ctx, key, ctx.nodes[key]!);
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
