/**
 * Import throughput (issue 11: ≥ 1,000 resources/s): the same ~1,000 Synthea resources of three
 * enrolled patients (the demo bundles, each imported again under fresh resource ids) imported on a
 * fresh founding hospital node that validates its chains alone, timed from the bundle's text to
 * the last block committed (parse, classify, encrypt, wrap, sign, check, commit, index, chart cache).
 *
 *   batched (importBundle)   one record.anchorBatch + one record.linkBatch per ≤ 500 records of a
 *                            patient, keys wrapped with one ephemeral key per batch and recipient,
 *                            each block prepared, certified and committed in one write transaction
 *                            with its transactions applied once (ledger/producer.ts commitOwnBlock)
 *   one record per act       storeRecord per resource (a record.anchor and a record.link each, one
 *                            act each, a block every 400 records), as importBundle did before,
 *                            with each block applied once
 *   today's path (baseline)  the same, with each block applied twice (prepare, then commit), as
 *                            the ledger did before: the path as it was
 * Rounds alternate the three in rotating order so that load from other processes hits all alike.
 * They follow one batched import that is timed and reported on its own row: the first import in a
 * process also loads modules and warms the JIT (the cold figure), the rounds measure the steady state.
 * Beside the rates, the process CPU time per resource of the batched path and of today's path
 * (process.cpuUsage: what to read on a loaded machine, where the wall clock counts others' work).
 */
import { performance } from 'node:perf_hooks';
import { TrichainNode } from '../src-main/node/node';
import { completeRecord, importBundle, recordIdFor, storeRecord, summarize, toLabelsBody, type FhirResource } from '../src-main/emr/records';
import { classifyResource, classifyResources } from '../src-main/emr/classify/index';
import { groupByPatient, parseBundle } from '../src-main/emr/fhir/index';
import { mrnOf, registerPatient } from '../src-main/emr/patients';
import { loadDemoBundles } from '../src-main/emr/demo/index';
import { tempDir } from '../test/support/ledger';
import { enrolBundlePatient } from '../test/support/records';
import { median, reissued, type BenchRow } from './util';

/** The demo bundles' JSON, each `copies` times (the first as it is, the others under fresh resource ids; the Patient keeps its id). */
function bundles(copies: number): string[] {
  return loadDemoBundles().flatMap(({ bundle }) => Array.from({ length: copies }, (_, c) => JSON.stringify(reissued(JSON.stringify(bundle), c ? String(c) : ''))));
}

/** importBundle as it was before batches: one storeRecord act per resource, a block every `batch` records. */
function importOneByOne(node: TrichainNode, bundle: unknown, batch = 400): number {
  const { resources } = parseBundle(bundle);
  const labels = new Map(classifyResources(resources as unknown[]).map((e) => [`${e.resourceType}/${e.id}`, e.labels]));
  const groups = groupByPatient(resources);
  let stored = 0;
  for (const [patientId, group] of groups.byPatient) {
    const pr = group.find((r) => r.resourceType === 'Patient') as FhirResource | undefined;
    const entry = registerPatient(node, { fhirId: patientId, display: pr ? summarize(pr) : patientId, birthYear: null, mrn: mrnOf(pr) });
    for (const r of group as FhirResource[]) {
      const id = recordIdFor(node.identity.blsPublicKey, r);
      if (node.ledger.state('hospital').get(`record/${id}`)) {
        completeRecord(node, id, r);
        continue;
      }
      storeRecord(node, { resource: r, labels: toLabelsBody(labels.get(`${r.resourceType}/${r.id}`) ?? classifyResource(r)), patient: entry, defer: true });
      if (++stored % batch === 0) {
        node.commitPending('hospital');
        node.commitPending('patient');
      }
    }
  }
  node.commitPending('hospital');
  node.commitPending('patient');
  return stored;
}

type Path = 'batched' | 'single' | 'today';

/** A fresh hospital with the bundles' patients enrolled (each with keys made as on their laptop); then the timed import. */
async function run(path: Path, texts: string[]): Promise<{ records: number; ms: number; cpuMs: number; links: number }> {
  const node = await TrichainNode.init(tempDir('bench-import-'), { role: 'hospital', name: 'Bench Hospital', passphrase: 'bench', found: true, network: 'Bench', scrypt: { N: 2 ** 10 } });
  try {
    node.ledger.prepared.enabled = path !== 'today';
    for (const { bundle, name } of loadDemoBundles()) await enrolBundlePatient(node, bundle, name);
    const t = performance.now();
    const cpu = process.cpuUsage();
    let records = 0;
    for (const text of texts) {
      const bundle = JSON.parse(text) as unknown;
      records += path === 'batched' ? (await importBundle(node, bundle)).records : importOneByOne(node, bundle);
    }
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const links = node.ledger.state('patient').scan('link/').length;
    return { records, ms, cpuMs: (used.user + used.system) / 1000, links };
  } finally {
    node.close();
  }
}

export async function benchImport({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const texts = bundles(quick ? 1 : 3);
  const rounds = quick ? 1 : 3;
  const paths: Path[] = ['batched', 'single', 'today'];
  const rates: Record<Path, number[]> = { batched: [], single: [], today: [] };
  const cpuPerRecord: Record<Path, number[]> = { batched: [], single: [], today: [] };
  // The first import in a process also loads modules and warms the JIT: timed and reported on its
  // own row, then the rounds measure the steady state a clinic's long import runs at.
  const cold = await run('batched', texts);
  let records = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < paths.length; i++) {
      const path = paths[(i + r) % paths.length];
      const x = await run(path, texts);
      if (x.links !== x.records) throw new Error(`${path}: ${x.records} records imported but ${x.links} linked`);
      records = x.records;
      rates[path].push(x.records / (x.ms / 1000));
      cpuPerRecord[path].push(x.cpuMs / x.records);
    }
  }
  const today = { name: "today's path (one record per act, each block applied twice)", value: median(rates.today) };
  const note = `${records} resources of 3 enrolled patients, ${rounds} run(s) each, median`;
  return [
    { group: 'import', name: 'batched: anchorBatch + linkBatch, applied once', value: median(rates.batched), unit: 'res/s', baseline: today, note },
    { group: 'import', name: 'one record per act, each block applied once', value: median(rates.single), unit: 'res/s', baseline: today, note },
    { group: 'import', name: "today's path: one record per act, applied twice", value: median(rates.today), unit: 'res/s', note },
    { group: 'import', name: 'batched: process CPU time per resource', value: median(cpuPerRecord.batched), unit: 'ms/res', baseline: { name: "today's path, CPU per resource", value: median(cpuPerRecord.today) }, note },
    { group: 'import', name: 'batched, the first import in the process (cold)', value: cold.records / (cold.ms / 1000), unit: 'res/s', note: `${cold.records} resources, before the rounds above; ${(cold.cpuMs / cold.records).toFixed(2)} ms CPU per resource` },
  ];
}
