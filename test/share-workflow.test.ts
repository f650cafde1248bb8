/**
 * The share workflow is driven by committed blocks (src-main/emr/share/workflow.ts): a hospital
 * that is not its chains' validator (Riverside) approves a request; its release and attestation
 * commit at the validator, come back as blocks, and the package is published on the social chain
 * from inside the step its runtime runs after the attestation's block, without anyone calling
 * continueShares. Without the runtime's step, the same committed blocks leave the share waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConsortium, type Consortium } from './support/consortium';
import { requestAtTwoHospitals } from './support/requests';
import { requestOf } from '../src-main/ledger/rules/social';
import { openPackage } from '../src-main/emr/share/entity';
import { processShareRequest } from '../src-main/emr/share/provider';
import { driveShares } from '../src-main/emr/share/workflow';
import { startRuntime, type NodeRuntime } from '../src-main/node/runtime';

const CATEGORIES = ['observation', 'vital-signs', 'lab', 'condition', 'demographics'] as const;

describe('the share workflow advances on committed blocks', () => {
  let c: Consortium;
  let runtime: NodeRuntime | undefined;
  /** The request approved in the first test, while no runtime step ran. */
  let idle = '';

  beforeAll(async () => {
    c = await makeConsortium();
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    c?.close();
  });

  /** A patient with records at St Mary and Riverside, a research consent and the institute's open request. */
  const openRequest = (fhirId: string): Promise<string> => requestAtTwoHospitals(c, fhirId, { observations: 1, categories: CATEGORIES });

  const status = (requestId: string) => requestOf(c.research.ledger.state('social'), requestId)?.status;

  it('without the runtime step, committed blocks leave an approved share waiting', async () => {
    idle = await openRequest('wf-idle');
    expect(processShareRequest(c.riverside, idle)).toMatchObject({ status: 'attesting' });
    await c.sync();
    await c.sync();
    expect(status(idle)).toBe('open');
  }, 120_000);

  it("publishes from the step run after the attestation's block, not from the approval", async () => {
    const requestId = await openRequest('wf-driven');
    // Which committed block, if any, the node is handling while each of its transactions is queued.
    let inBlock: { chain: string; height: number } | null = null;
    c.riverside.on('block', (e: { chain: string; height: number }) => (inBlock = e));
    runtime = await startRuntime(c.riverside, { peers: false });
    driveShares(runtime);
    c.riverside.on('block', () => (inBlock = null));
    const queued: { chain: string; during: { chain: string; height: number } | null }[] = [];
    c.riverside.on('tx', (e: { chain: string }) => queued.push({ chain: e.chain, during: inBlock }));

    expect(processShareRequest(c.riverside, requestId)).toMatchObject({ status: 'attesting' });
    expect(queued).toEqual([{ chain: 'hospital', during: null }]); // the release, from the approval
    await c.sync();
    expect(status(requestId)).toBe('published');
    // The attestation was queued while the release's block was handled, the publication while the
    // attestation's block was: both by the workflow step, after blocks that came back committed.
    expect(queued.slice(1).map((q) => q.chain)).toEqual(expect.arrayContaining(['hospital', 'social']));
    const publish = queued.find((q) => q.chain === 'social')!;
    expect(publish.during).toMatchObject({ chain: 'hospital' });
    expect(queued.find((q, i) => i > 0 && q.chain === 'hospital')!.during).toMatchObject({ chain: 'hospital' });
    await c.sync();
    expect(openPackage(c.research, requestId).bundle.entry?.length).toBeGreaterThan(0);
    // Opening it acknowledged access on the social chain, once: a later opening signs nothing more.
    await c.sync();
    const signed: string[] = [];
    c.research.on('tx', (e: { chain: string }) => signed.push(e.chain));
    openPackage(c.research, requestId);
    expect(signed).toEqual([]);
    expect(openPackage(c.research, idle, { acknowledge: true }).bundle.entry?.length).toBeGreaterThan(0);
    expect(signed).toEqual(['social']);
    // The share left waiting before the runtime started was attested when it started, and published
    // after that attestation's block.
    expect(status(idle)).toBe('published');
  }, 120_000);
});
