/**
 * The training demo end to end: five real nodes in this process, each with its own data folder
 * and HTTPS peer server on 127.0.0.1, built from the shipped Synthea bundles; then reopened
 * (fast, nothing re-imported); then run as `trichain demo` in a child process that must exit on
 * its own after SIGTERM (no handle left open). Timings are printed.
 */
import { storedBlock } from '../../src-main/ledger/light';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../src-main/codec/hex';
import { getMember } from '../../src-main/ledger/rules/members';
import type { ChainId } from '../../src-main/ledger/types';
import { myRecords, readMyRecord } from '../../src-main/emr/patient-view';
import { listPatients } from '../../src-main/emr/patients';
import { blockHash } from '../../src-main/ledger/encoding';
import type { TrichainNode } from '../../src-main/node/node';
import { startDemo, type Demo } from '../../src-main/app/demo';
import { DEMO_FILE, DEMO_ROLE_ORDER, DEMO_ROLES, type DemoRole } from '../../src-main/app/demo-roles';
import { DEMO_VALIDATOR_ORDER, QUORUM_CHAINS, lastSigners } from '../../src-main/app/demo-quorum';

const ROOT = join(__dirname, '..', '..');
const timings: Record<string, number> = {};
const EXPECTED: Record<DemoRole, ChainId[]> = { stMary: ['patient', 'hospital', 'social'], riverside: ['patient', 'hospital', 'social'], patient: ['patient'], insurer: ['social'], research: ['social'] };

const recordCount = (demo: Demo, role: DemoRole): number => demo.nodes[role].db.prepare('SELECT COUNT(*) FROM emr_records').pluck().get() as number;
const heads = (demo: Demo) => Object.fromEntries(DEMO_ROLE_ORDER.map((r) => [r, Object.fromEntries(demo.nodes[r].chains().map((c) => [c, demo.nodes[r].ledger.height(c)]))])) as Record<DemoRole, Partial<Record<ChainId, number>>>;
/** The header hash of `node`'s block at `height` (certificates may differ between nodes; headers may not). */
const hashAt = (node: TrichainNode, c: ChainId, height: number): string => toHex(blockHash(storedBlock(node.ledger, c, height)!.header));
/** Nodes agree on every chain they share up to the lower of their heads (no fork). */
function agree(a: TrichainNode, b: TrichainNode, c: ChainId): number {
  const h = Math.min(a.ledger.height(c), b.ledger.height(c));
  expect(hashAt(a, c, h), `${a.config.name} and ${b.config.name} on ${c} at ${h}`).toBe(hashAt(b, c, h));
  return h;
}

/** Waits (bounded) until this process holds no TCP server or socket handle beyond `baseline`. */
const tcpHandles = (): number => process.getActiveResourcesInfo().filter((h) => h === 'TCPServerWrap' || h === 'TCPSocketWrap').length;

async function tcpHandlesBackTo(baseline: number, timeoutMs = 5000): Promise<number> {
  const count = tcpHandles;
  const end = Date.now() + timeoutMs;
  while (count() > baseline && Date.now() < end) await new Promise((r) => setImmediate(r));
  return count();
}

describe('trichain demo', () => {
  let base: string;
  let demo: Demo | null = null;
  let tcpBaseline = 0;
  const progress: [string, number, number][] = [];

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'trichain-demo-'));
    tcpBaseline = tcpHandles();
    const t0 = Date.now();
    demo = await startDemo(base, { quorum: true, onProgress: (s, d, t) => progress.push([s, d, t]) });
    timings.firstRun = Date.now() - t0;
  }, 240_000); // the quorum demo: seven nodes, then the validator-set change and its first certified blocks

  afterAll(async () => {
    await demo?.close();
    console.log(`demo timings (ms): ${JSON.stringify(timings)}`);
    rmSync(base, { recursive: true, force: true });
  });

  it('builds five nodes, each synced to St Mary on exactly the chains its role holds', () => {
    const d = demo!;
    expect(d.created).toBe(true);
    const ref = d.nodes.stMary;
    for (const role of DEMO_ROLE_ORDER) {
      const n = d.nodes[role];
      expect(n.config.role).toBe(DEMO_ROLES[role].nodeRole);
      expect(n.paths.dir).toBe(join(base, DEMO_ROLES[role].dir));
      expect(d.daemons[role].listen).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(n.chains()).toEqual(EXPECTED[role]);
      for (const c of EXPECTED[role]) {
        // The patient chain (St Mary alone) is still; the quorum chains add a block every few seconds.
        if (c === 'patient') expect(toHex(n.ledger.head(c).hash), `${role} ${c}`).toBe(toHex(ref.ledger.head(c).hash));
        expect(agree(n, ref, c), `${role} ${c}`).toBeGreaterThan(QUORUM_CHAINS.includes(c) ? 3 : 1);
      }
      expect(n.outbox('pending')).toEqual([]);
    }
    expect(ref.status().network).toBe('Trichain demo consortium');
    expect(ref.ledger.height('hospital')).toBeGreaterThan(1);
    // Entities are registered on the social chain with their kinds; Riverside is a member.
    const social = ref.ledger.state('social');
    expect(getMember(social, d.nodes.insurer.identity.blsPublicKey)).toMatchObject({ role: 'entity', kind: 'insurer' });
    expect(getMember(social, d.nodes.research.identity.blsPublicKey)).toMatchObject({ role: 'entity', kind: 'research' });
    for (const c of EXPECTED.stMary) expect(getMember(ref.ledger.state(c), d.nodes.riverside.identity.blsPublicKey)?.role).toBe('hospital');
    // Four hospitals validate the hospital and social chains; certificates aggregate 3 or 4 signers.
    expect(ref.status().chains.patient!.validators).toBe(1);
    for (const c of QUORUM_CHAINS) {
      expect(ref.status().chains[c]!.validators, c).toBe(4);
      const s = lastSigners(ref, c);
      expect(s.signers.length, `${c} signers ${s.signers}`).toBeGreaterThanOrEqual(3);
      expect(new Set(ref.ledger.validatorsAt(c, s.height).map((v) => v.name))).toEqual(new Set(['St Mary Hospital', 'Riverside Clinic', 'Northside Hospital', 'Lakeside Hospital']));
    }
    for (const v of DEMO_VALIDATOR_ORDER) for (const c of EXPECTED.stMary) agree(d.validators[v]!, ref, c);
    expect(d.nodes.riverside.isSoloValidator('hospital')).toBe(false);
    // Patients: two at St Mary, Laurie at Riverside (Milan also visited Riverside).
    expect(d.patients.map((p) => [p.name, p.hospital])).toEqual([
      ['Clemente Kreiger', 'stMary'],
      ['Milan Beatty', 'stMary'],
      ['Laurie McCullough', 'riverside'],
    ]);
    expect(listPatients(ref).map((p) => p.display).sort()).toEqual(['Clemente Kreiger', 'Milan Beatty'].sort());
    expect(listPatients(d.nodes.riverside).map((p) => p.fhirId).sort()).toEqual([d.patients[1].fhirId, d.patients[2].fhirId].sort());
    const file = JSON.parse(readFileSync(join(base, DEMO_FILE), 'utf8'));
    expect(file.roles.stMary.dir).toBe('st-mary');
    expect(file.patients).toEqual(d.patients);
    expect(progress.at(-1)).toEqual(['Ready', progress.at(-1)![2], progress.at(-1)![2]]);
  });

  it("the patient laptop is Milan's identity and lists and decrypts records from both hospitals", () => {
    const d = demo!;
    const laptop = d.nodes.patient;
    const milan = d.patients.find((p) => p.name === 'Milan Beatty')!;
    expect(milan.laptop).toBe('patient');
    expect(laptop.publicKeyHex).toBe(milan.pk);
    const mine = myRecords(laptop);
    expect(mine.length).toBeGreaterThan(100);
    expect(new Set(mine.map((r) => r.orgName))).toEqual(new Set(['St Mary Hospital', 'Riverside Clinic']));
    expect(mine.every((r) => r.available)).toBe(true);
    const fromRiverside = mine.filter((r) => r.orgName === 'Riverside Clinic');
    expect(fromRiverside.map((r) => readMyRecord(laptop, r.link).resourceType).sort()).toEqual(['Encounter', 'Observation', 'Observation']);
    expect(mine.filter((r) => r.link.resourceType === 'Patient').map((r) => readMyRecord(laptop, r.link).id)).toContain(milan.fhirId);
    // a light client of the patient chain: headers and Milan's own transactions, no other patient's
    expect(laptop.ledger.isLight('patient')).toBe(true);
    expect(laptop.db.prepare("SELECT COUNT(*) FROM blocks WHERE chain = 'patient'").pluck().get()).toBe(0);
    expect(laptop.ledger.state('patient').scan('link/').every(([k]) => k.startsWith(`link/${milan.pk}/`))).toBe(true);
    laptop.db.pragma('wal_checkpoint(TRUNCATE)');
    const files = readdirSync(laptop.paths.dir).filter((f) => f.includes('.db') || f.endsWith('.sqlite')).map((f) => readFileSync(join(laptop.paths.dir, f)));
    expect(files.length).toBeGreaterThan(0);
    for (const other of d.patients.filter((p) => p !== milan)) {
      for (const f of files) expect(f.includes(Buffer.from(other.pk, 'hex')) || f.includes(Buffer.from(other.pk)), other.name).toBe(false);
    }
    expect(laptop.ledger.verifyStored().ok).toBe(true);
  });

  it('a trainer stops one validator: the hospital and social chains keep committing with 3 of 4 signers, and it catches up when started again', async () => {
    const d = demo!;
    const ref = d.nodes.stMary;
    const lakeside = d.validators.lakeside!;
    await d.stopNode('lakeside');
    expect(d.runtime('lakeside')).toBeNull();
    const stoppedAt = Object.fromEntries(QUORUM_CHAINS.map((c) => [c, lakeside.ledger.height(c)])) as Record<ChainId, number>;
    // A block decided without Lakeside: certified by exactly the three others.
    const without = async (c: ChainId) => {
      const end = Date.now() + 60_000;
      for (;;) {
        const s = lastSigners(ref, c);
        if (s.height > stoppedAt[c] + 1 && s.signers.length === 3) return s;
        if (Date.now() > end) throw new Error(`${c}: no block certified without Lakeside (last ${JSON.stringify(s)})`);
        await new Promise((r) => ref.once('block', r));
      }
    };
    for (const c of QUORUM_CHAINS) {
      const s = await without(c);
      expect(s.signers).not.toContain('Lakeside Hospital');
      expect(s.validators).toBe(4);
    }
    expect(lakeside.ledger.height('hospital')).toBe(stoppedAt.hospital);
    await d.startNode('lakeside');
    expect(d.runtime('lakeside')).not.toBeNull();
    const target = Object.fromEntries(QUORUM_CHAINS.map((c) => [c, ref.ledger.height(c)])) as Record<ChainId, number>;
    const end = Date.now() + 60_000;
    while (QUORUM_CHAINS.some((c) => lakeside.ledger.height(c) < target[c])) {
      if (Date.now() > end) throw new Error(`Lakeside did not catch up: ${JSON.stringify(QUORUM_CHAINS.map((c) => [c, lakeside.ledger.height(c), target[c]]))}`);
      await new Promise((r) => lakeside.once('block', r));
    }
    for (const c of QUORUM_CHAINS) agree(lakeside, ref, c);
  }, 150_000);

  it('restarts fast on the same folder and addresses, importing nothing again; close leaves no TCP handle', async () => {
    const first = demo!;
    const before = heads(first);
    const counts = DEMO_ROLE_ORDER.map((r) => recordCount(first, r));
    const listen = DEMO_ROLE_ORDER.map((r) => first.daemons[r].listen);
    let t = Date.now();
    await first.close();
    timings.close = Date.now() - t;
    demo = null;

    t = Date.now();
    const again = (demo = await startDemo(base));
    timings.restart = Date.now() - t;
    expect(again.created).toBe(false);
    expect(timings.restart).toBeLessThan(20_000);
    expect(timings.restart).toBeLessThan(timings.firstRun);
    // Nothing lost or re-imported: the still patient chain is where it was; the quorum chains only grew.
    const after = heads(again);
    for (const r of DEMO_ROLE_ORDER) {
      for (const [c, h] of Object.entries(before[r]) as [ChainId, number][]) {
        if (c === 'patient') expect(after[r][c], `${r} ${c}`).toBe(h);
        else expect(after[r][c], `${r} ${c}`).toBeGreaterThanOrEqual(h);
      }
    }
    expect(DEMO_ROLE_ORDER.map((r) => recordCount(again, r))).toEqual(counts);
    expect(DEMO_ROLE_ORDER.map((r) => again.daemons[r].listen)).toEqual(listen);
    expect(again.patients).toEqual(first.patients);
    expect(myRecords(again.nodes.patient).every((r) => r.available)).toBe(true);

    t = Date.now();
    await again.close();
    timings.closeAfterRestart = Date.now() - t;
    demo = null;
    expect(await tcpHandlesBackTo(tcpBaseline)).toBe(tcpBaseline);
  }, 60_000);

  it('`trichain demo` reopens it, prints READY with every node, and exits by itself on SIGTERM', async () => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'trichain.mjs'), 'demo', '--data', base], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no TRICHAIN_DEMO_READY within 40 s; stderr: ${err}`)), 40_000);
      child.stdout.on('data', (b) => {
        out += b;
        const m = /^TRICHAIN_DEMO_READY (.*)$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then((code) => reject(new Error(`trichain demo exited (${code}) before READY; stderr: ${err}`)));
    });
    timings.cliReady = Date.now() - t0;
    const info = JSON.parse(ready) as { created: boolean; nodes: { role: string; name: string; peer: string }[] };
    expect(info.created).toBe(false);
    expect(info.nodes.map((n) => n.role)).toEqual([...DEMO_ROLE_ORDER]);
    for (const n of info.nodes) {
      expect(n.peer).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(out).toContain(`TRICHAIN_DEMO_NODE role=${n.role} `);
    }
    const t1 = Date.now();
    child.kill('SIGTERM');
    // The command never calls process.exit: it ends only if close() left nothing open.
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000).unref())]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(0);
    timings.cliExit = Date.now() - t1;
    expect(out).toMatch(/^stopped$/m);
    expect(existsSync(join(base, '.demo-setup'))).toBe(false);
  }, 60_000);

  it('`trichain demo --walk OUT` runs a whole share headless; `trichain package verify` accepts it and fails on any changed byte', async () => {
    const out = join(base, 'walk-out');
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin', 'trichain.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRICHAIN_PASSPHRASE: 'trichain-demo' } });
        let o = '';
        let e = '';
        child.stdout.on('data', (b) => (o += b));
        child.stderr.on('data', (b) => (e += b));
        child.on('exit', (code) => resolve({ code, out: o, err: e }));
      });
    const walk = await run(['demo', '--data', base, '--walk', out]);
    expect(walk.code, walk.err).toBe(0);
    for (const step of ['the patient consents', 'the research institute requests', 'the clinician approves', 'the package is published', 'the entity verifies', 'the second hospital answers', 'the entity verifies the second package']) expect(walk.out).toContain(`TRICHAIN_WALK step=${JSON.stringify(step)}`);
    // One request, a package per hospital (issue 11): St Mary's and Riverside's, each verified.
    const done = JSON.parse(walk.out.split('\n').find((l) => l.startsWith('TRICHAIN_WALK_DONE '))!.slice('TRICHAIN_WALK_DONE '.length)) as { packages: { hospital: string; resources: number }[] };
    expect(done.packages.map((p) => p.hospital)).toEqual(['St Mary Hospital', 'Riverside Clinic']);
    expect(done.packages.every((p) => p.resources > 0)).toBe(true);
    const bundle = JSON.parse(readFileSync(join(out, 'received.json'), 'utf8')) as { resourceType: string; entry: unknown[] };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry.length).toBeGreaterThan(10);
    const research = join(base, DEMO_ROLES.research.dir);
    const ok = await run(['package', 'verify', join(out, 'package'), '--data', research]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('Every record attested and allowed by the consent');
    const second = await run(['package', 'verify', join(out, 'package-riverside'), '--data', research]);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toContain('published by Riverside Clinic');
    const bytes = readFileSync(join(out, 'package'));
    bytes[Math.floor(bytes.length / 2)] ^= 1;
    writeFileSync(join(out, 'package'), bytes);
    const bad = await run(['package', 'verify', join(out, 'package'), '--data', research]);
    expect(bad.code).toBe(5);
    expect(bad.err).toMatch(/FAILED check "[^"]+": /);
  }, 180_000);
});
