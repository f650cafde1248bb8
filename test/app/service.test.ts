/**
 * The engine behind the UI, driven through the same dispatch path the host and Electron use, over
 * the real demo consortium (five nodes over HTTPS on loopback): the whole walk a trainer makes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { dispatch, type ApiOutput, type RendererMethod, type SignAction, type TrichainEvent } from '../../src-shared/api';
import { tempDir } from '../support/ledger';
import { createService, type Service } from '../../src-main/app/service';

let svc: Service;
const events: TrichainEvent[] = [];
const waiters: (() => void)[] = [];
const onEvent = (e: TrichainEvent) => {
  events.push(e);
  for (const w of waiters.splice(0)) w();
};

/**
 * Signed actions answer once their transaction is queued; what they change shows when its block
 * commits. Resolves with check()'s first truthy value, re-checking after each event the app emits
 * (tx.pending, chain.updated): never a fixed sleep.
 */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise<void>((r) => {
      const t = setTimeout(r, Math.min(5000, Math.max(1, end - Date.now())));
      waiters.push(() => (clearTimeout(t), r()));
    });
  }
}

async function call<M extends RendererMethod>(method: M, input: unknown = {}): Promise<ApiOutput<M>> {
  const r = await dispatch(svc, method, input, 'renderer');
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as ApiOutput<M>;
}

async function sign<M extends SignAction['method']>(method: M, input: unknown) {
  const prep = await call('sign.prepare', { method, input });
  expect(prep.summary.who).toBeTruthy();
  expect(prep.summary.what.length).toBeGreaterThan(10);
  const done = await call('sign.confirm', { requestId: prep.requestId });
  expect(done.method).toBe(method);
  return done.value as Extract<ApiOutput<'sign.confirm'>, { method: M }>['value'];
}

const as = (roleId: string) => call('session.switchRole', { roleId });

describe('service over the demo consortium', () => {
  beforeAll(async () => {
    svc = await createService({ dataDir: tempDir('svc-'), emit: onEvent });
    await call('demo.start', {});
  }, 300_000); // the default demo: seven nodes, four validators on the hospital and social chains
  afterAll(async () => svc?.close());

  it('lists the five roles and starts as a clinician', async () => {
    const { roles, active } = await call('session.roles');
    expect(roles.map((r) => r.role).sort()).toEqual(['clinician', 'clinician', 'entity', 'entity', 'patient']);
    expect(active).toBe('stMary');
    expect((await call('app.info')).demo).toBe(true);
  });

  it('refuses signed methods without the prepare/confirm flow and malformed input', async () => {
    const r = await dispatch(svc, 'consents.revoke', { consentId: 'x' }, 'renderer');
    expect(r).toMatchObject({ ok: false, error: { code: 'SIGNATURE_REQUIRED' } });
    expect(await dispatch(svc, 'patients.search', { limit: 'lots' }, 'renderer')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await dispatch(svc, 'sign.confirm', { requestId: 'never-prepared' }, 'renderer')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // a prepared action cannot be confirmed twice
    const prep = await call('sign.prepare', { method: 'consents.revoke', input: { consentId: 'nope' } });
    await dispatch(svc, 'sign.confirm', { requestId: prep.requestId }, 'renderer');
    expect(await dispatch(svc, 'sign.confirm', { requestId: prep.requestId }, 'renderer')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('walks a whole share: chart with labels, consent, request, approve, verify, export, revoke, refused, audit', async () => {
    await as('stMary');
    const { patients } = await call('patients.search', { query: 'milan' });
    expect(patients).toHaveLength(1);
    const milan = patients[0].id;
    const chart = await call('patients.chart', { patientId: milan });
    expect(chart.resources.length).toBeGreaterThan(100);
    // A page of the timeline: the whole's rows sliced, with the whole's total and organizations.
    const part = await call('patients.chart', { patientId: milan, offset: 10, limit: 20 });
    expect(part.total).toBe(chart.resources.length);
    expect(part.resources.map((r) => r.id)).toEqual(chart.resources.slice(10, 30).map((r) => r.id));
    expect([...part.organizations].sort()).toEqual(['Riverside Clinic', 'St Mary Hospital']);
    const psy = chart.resources.find((r) => r.labels.sensitivity.includes('PSY'))!;
    expect(psy.labels.reasons.length).toBeGreaterThan(0);

    await as('patient');
    const mine = await call('patients.chart', {});
    expect(new Set(mine.resources.map((r) => r.author.organization)).size).toBe(2);
    const research = (await call('entities.list')).entities.find((e) => e.kind === 'research')!;
    const { consent } = await sign('consents.grant', { entityId: research.id, purpose: 'HRESCH', categories: ['condition', 'medication', 'encounter', 'demographics'], includeSensitive: [], validUntil: '2030-01-01' });
    expect(consent.status).toBe('active');
    // Answered at once, listed pending; its committed event follows.
    expect((await call('consents.list', {})).consents.find((c) => c.id === consent.id)).toBeTruthy();
    await eventually('the consent has committed', async () => events.some((e) => e.type === 'tx.pending' && e.payload.kind === 'consent.grant' && e.payload.status === 'committed'));
    const listed = (await call('consents.list', {})).consents.find((c) => c.id === consent.id);
    expect(listed?.status).toBe('active');
    expect(listed?.pending).toBeFalsy();

    await as('research');
    const visible = await call('patients.search', {});
    // The institute knows Milan only by his key for it: never his main key (issue 13, finding 3).
    expect(visible.patients.map((p) => p.id)).not.toContain(milan);
    expect(visible.patients).toHaveLength(1);
    const milanForResearch = visible.patients[0].id;
    const { request } = await sign('shares.request', { patientId: milanForResearch, purpose: 'HRESCH', categories: ['condition', 'medication', 'encounter', 'demographics'], period: { from: '1900-01-01', to: '2030-01-01' } });

    expect(request.status).toBe('pending');

    await as('stMary');
    await eventually('St Mary sees the request', async () => (await call('shares.requests', { status: 'pending' })).requests.some((r) => r.id === request.id));
    const preview = await call('shares.preview', { requestId: request.id });
    expect(preview.decision).toBe('allowed');
    expect(preview.excluded.some((e) => /sensitive/.test(e.reason))).toBe(true);
    expect(JSON.stringify(preview.included)).not.toMatch(/Milan|Beatty/);
    const approved = await sign('shares.approve', { requestId: request.id });
    // Answered at once: approved, published once the attestation's block has committed.
    expect(approved.request.status).toBe('approved');
    // A second answer to the same request is refused, not signed again.
    const twice = await call('sign.prepare', { method: 'shares.approve', input: { requestId: request.id } });
    expect(await dispatch(svc, 'sign.confirm', { requestId: twice.requestId }, 'renderer')).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: expect.stringMatching(/already answered/) } });

    await as('research');
    await eventually('the package has reached the institute', async () => (await call('packages.list')).packages.some((p) => p.requestId === request.id));
    // A package is one hospital's answer: its id names the request and the hospital (issue 11).
    const pkg = (await call('packages.list')).packages.find((p) => p.requestId === request.id)!;
    expect(pkg.id).toMatch(new RegExp(`^${request.id}@[0-9a-f]{16}$`));
    expect(pkg.hospitalName).toBe('St Mary Hospital');
    const v = await call('packages.verify', { packageId: pkg.id });
    expect(v.status, JSON.stringify(v.checks)).toBe('verified');
    expect(v.aggregateSignature).toHaveLength(192);
    const csv = await call('packages.export', { packageId: pkg.id, format: 'csv' });
    expect(csv.content.split('\n').length).toBeGreaterThan(5);
    expect(csv.content).not.toMatch(/Milan|Beatty/);

    // The institute sees Milan only pseudonymously, in its requests as in its picker.
    const filed = await call('shares.requests', { status: 'all' });
    expect(JSON.stringify(filed)).not.toMatch(/Milan|Beatty/);
    expect(filed.requests[0].patientName).toMatch(/pseudonymous/);
    // A second request, filed while the consent holds, is still pending when the patient revokes.
    const again = (await sign('shares.request', { patientId: milanForResearch, purpose: 'HRESCH', categories: ['condition'], period: { from: '1900-01-01', to: '2030-01-01' } })).request;

    await as('patient');
    const revoked = await sign('consents.revoke', { consentId: consent.id });
    expect(revoked.consent.status === 'revoked' || revoked.consent.pending).toBe(true);
    expect(revoked.alreadyShared.map((s) => s.packageId)).toContain(pkg.id);
    expect(revoked.alreadyShared.find((s) => s.packageId === pkg.id)?.hospitalName).toBe('St Mary Hospital');
    await eventually('the revocation has committed', async () => (await call('consents.list', {})).consents.find((c) => c.id === consent.id && c.status === 'revoked' && !c.pending));

    // After the revocation, a new request is refused when it is filed (before any signature),
    // and the institute's patient picker says the consent is revoked.
    await as('research');
    await eventually('the institute sees the revocation', async () => (await call('patients.search', {})).patients.find((p) => p.id === milanForResearch)?.consentStatus === 'revoked');
    const late = await dispatch(svc, 'sign.prepare', { method: 'shares.request', input: { patientId: milanForResearch, purpose: 'HRESCH', categories: ['condition'], period: { from: '1900-01-01', to: '2030-01-01' } } }, 'renderer');
    expect(late).toMatchObject({ ok: false, error: { code: 'CONSENT_REFUSED', message: expect.stringMatching(/revoked the consent that named you/) } });

    // St Mary answers the pending one: the sign dialog describes a refusal, not an approval.
    await as('stMary');
    await eventually('St Mary sees the second request', async () => (await call('shares.requests', { status: 'pending' })).requests.some((r) => r.id === again.id));
    const prep = await call('sign.prepare', { method: 'shares.approve', input: { requestId: again.id } });
    expect(prep.summary.what).toMatch(/^Refuse request .*nothing is shared/);
    expect(prep.summary.what).not.toMatch(/Approve|publish/);
    expect(prep.summary.details.find((d) => d.label === 'Reason')?.value).toMatch(/revoked/);
    const refused = (await call('sign.confirm', { requestId: prep.requestId })).value as ApiOutput<'shares.approve'>;
    expect(refused.request.status).toBe('refused');
    expect(refused.request.decision?.reason).toMatch(/revoked/);

    await as('patient');
    const patterns = [
      /^Milan Beatty granted a consent for Healthcare research \(HRESCH\), to Institute for Outcomes Research$/,
      /^St Mary Hospital approved the request and shared [1-9][\d,]* records with Institute for Outcomes Research$/,
      /^St Mary Hospital refused the request of Institute for Outcomes Research: .*revoked/,
      /^Milan Beatty revoked the consent for Healthcare research \(HRESCH\), to Institute for Outcomes Research$/,
      /^St Mary Hospital viewed the chart \([1-9][\d,]* records\)$/,
      // the request, written into Milan's trail by St Mary, naming the institute as who asked
      /^Institute for Outcomes Research asked for records for Healthcare research \(HRESCH\)$/,
      // the demo's first run: the import and Riverside's visit, kept until Milan enrolled
      /^St Mary Hospital imported [1-9]\d{2} records \(on \d{4}-\d{2}-\d{2}, before enrolment\)$/,
      /^Riverside Clinic added an? [a-z ]+ record \(on \d{4}-\d{2}-\d{2}, before enrolment\)$/,
    ];
    // In words: who did what, with the consent's purpose and grantee, the count of records shared, the
    // reason of a refusal (once the refusal's block has committed).
    const audit = await eventually('the access log lists every step', async () => {
      const a = await call('audit.list', {});
      const subjects = a.entries.map((e) => e.subject);
      return patterns.every((p) => subjects.some((x) => p.test(x))) ? a : null;
    });
    // No internal names, ids or keys, and nobody is "system".
    for (const e of audit.entries) {
      expect(e.subject).not.toMatch(/consent\.|share\.|chart\.|record\.|[0-9a-f]{12}/);
      expect(e.actor.role).not.toBe('system');
    }
  }, 300_000);

  it('logs a chart view once per sign-in, and exports the trail as FHIR AuditEvent with the same sentences', async () => {
    await as('stMary');
    const milan = (await call('patients.search', { query: 'milan' })).patients[0].id;
    const auditLogs = () => new Set(events.filter((e) => e.type === 'tx.pending' && e.payload.kind === 'audit.log').map((e) => (e.payload as { txId: string }).txId));
    const opened = async (times: number) => {
      const before = auditLogs();
      for (let i = 0; i < times; i++) await call('patients.chart', { patientId: milan, limit: 10 });
      return [...auditLogs()].filter((id) => !before.has(id)).length;
    };
    // A new sign-in (another role, then St Mary again) opening the chart three times: one entry.
    await as('riverside');
    await as('stMary');
    expect(await opened(3)).toBe(1);
    // The same sign-in again: none; the same role chosen again is not a new sign-in.
    await as('stMary');
    expect(await opened(2)).toBe(0);
    // Signing in again: one more.
    await as('patient');
    await as('stMary');
    expect(await opened(1)).toBe(1);

    // The export: every entry of the trail, as AuditEvent, in the trail's order and words.
    await as('patient');
    type Exported = { resourceType: string; type: string; entry: { resource: { resourceType: string; outcomeDesc: string; action: string; agent: { who: { display: string } }[] } }[] };
    // Read between two equal looks at the trail (entries still committing would change it).
    const { trail, exported, bundle } = await eventually('the trail holds still for one export', async () => {
      const trail = (await call('audit.list', { limit: 500 })).entries;
      const exported = await call('audit.export', {});
      const again = (await call('audit.list', { limit: 500 })).entries;
      return JSON.stringify(again) === JSON.stringify(trail) ? { trail, exported, bundle: JSON.parse(exported.content) as Exported } : null;
    });
    expect(exported).toMatchObject({ mediaType: 'application/fhir+json', filename: expect.stringMatching(/^audit-[0-9a-f]{12}\.json$/), entries: trail.length });
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(bundle.entry.map((e) => e.resource.outcomeDesc)).toEqual(trail.map((e) => e.subject));
    expect(bundle.entry.map((e) => e.resource.agent[0].who.display)).toEqual(trail.map((e) => e.actor.name));
    expect(new Set(bundle.entry.map((e) => e.resource.resourceType))).toEqual(new Set(['AuditEvent']));
    const requested = bundle.entry.find((e) => /asked for records/.test(e.resource.outcomeDesc))!;
    expect(requested.resource).toMatchObject({ action: 'E', agent: [{ who: { display: 'Institute for Outcomes Research' } }] });
  }, 120_000);

  it('refuses mistakes at sign.prepare, before anything is signed', async () => {
    const prepare = (method: string, input: unknown) => dispatch(svc, 'sign.prepare', { method, input }, 'renderer');
    await as('patient');
    const research = (await call('entities.list')).entities.find((e) => e.kind === 'research')!;
    const grant = { entityId: research.id, purpose: 'HRESCH', categories: ['condition'], includeSensitive: [], validUntil: '2030-01-01' };
    expect(await prepare('consents.grant', { ...grant, purpose: 'diabetes research' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/purpose: choose a purpose of use from HL7's PurposeOfUse list .*HRESCH: healthcare research/) } });
    expect(await prepare('consents.grant', { ...grant, validUntil: '2001-01-01' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/validUntil: 2001-01-01 is in the past/) } });

    await as('research');
    const req = { patientId: 'ab'.repeat(48), purpose: 'HRESCH', categories: ['condition'], period: { from: '2020-01-01', to: '2021-01-01' } };
    expect(await prepare('shares.request', { ...req, purpose: 'claim #1234 review' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await prepare('shares.request', { ...req, period: { from: '2022-01-01', to: '2021-01-01' } })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/period must start on or before its end/) } });

    await as('stMary');
    const milan = (await call('patients.search', { query: 'milan' })).patients[0].id;
    const obs = (code: string, text: string) => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code, display: text }], text }, subject: { reference: `Patient/${milan}` } });
    expect(await prepare('records.add', { patientId: milan, resource: obs('   ', 'Glucose') })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/resource\.code\.coding\.0\.code: a code cannot be blank/) } });
    expect(await prepare('records.add', { patientId: milan, resource: obs('2339-0', 'x'.repeat(200_000)) })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/200,000 characters is too long: the limit is 10,000/) } });

    // Amending another organization's record is FORBIDDEN (not an internal error), before signing;
    // amending one's own works.
    const chart = await call('patients.chart', { patientId: milan });
    const theirs = chart.resources.find((r) => r.author.organization !== 'St Mary Hospital')!;
    expect(theirs).toBeDefined();
    const forbidden = await prepare('records.amend', { recordId: theirs.id, resource: { resourceType: theirs.resourceType, id: 'x' }, reason: 'typo' });
    expect(forbidden).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/^only .+, which wrote this record, may amend it/) } });
    // A chart's rows carry card facts, not FHIR resources: records.get reads the one to amend.
    expect(chart.resources.every((r) => r.resource === undefined)).toBe(true);
    const listed = chart.resources.find((r) => r.author.organization === 'St Mary Hospital' && r.resourceType === 'Observation' && r.facts)!;
    const own = (await call('records.get', { recordId: listed.id })).record;
    expect(own).toMatchObject({ id: listed.id, version: listed.version, resource: { resourceType: 'Observation' } });
    const amended = await sign('records.amend', { recordId: own.id, resource: { ...own.resource, valueString: 'amended' }, reason: 'wrong value' });
    expect(amended.record.version).toBe(own.version + 1);
    await eventually('the amendment has committed', async () => (await call('patients.chart', { patientId: milan })).resources.find((r) => r.id === own.id && r.version === own.version + 1 && !r.pending));
  });

  it('never returns secret key material', async () => {
    await as('stMary');
    const blob = JSON.stringify([await call('app.info'), await call('chains.status'), await call('session.roles')]);
    expect(blob).not.toMatch(/secret/i);
  });

  it('shows chains, blocks with certificates, and measured signature storage', async () => {
    const st = await call('chains.status');
    expect(st.chains.every((c) => c.replicated && c.height > 0)).toBe(true);
    const blocks = await call('chains.blocks', { chain: 'hospital', limit: 5 });
    const b = await call('chains.block', { chain: 'hospital', height: blocks.blocks[0].height });
    expect(b.block.certificate.aggregateSignature).toHaveLength(192);
    const s = await call('storage.signatures', { parties: [1, 4, 16] });
    expect(s.series.map((x) => x.aggregateBytes)).toEqual([96, 96, 96]);
    expect(s.series[2].perPartyBlsBytes).toBe(16 * 96);
    await as('patient');
    expect((await call('chains.status')).chains.filter((c) => c.replicated).map((c) => c.chain)).toEqual(['patient']);
    expect(await dispatch(svc, 'chains.blocks', { chain: 'hospital' }, 'renderer')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(events.some((e) => e.type === 'chain.updated')).toBe(true);
  });

  it('takes a purpose only as an HL7 PurposeOfUse code: words are refused before anything is prepared', async () => {
    await as('patient');
    const grant = (purpose: string) => dispatch(svc, 'sign.prepare', { method: 'consents.grant', input: { entityId: 'kind:research', purpose, categories: ['condition'], validUntil: '2999-01-01' } }, 'renderer');
    for (const words of ['research', 'HRESCH (healthcare research)', 'curiosity']) {
      expect(await grant(words)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/PurposeOfUse/) } });
    }
    expect(await grant('HRESCH')).toMatchObject({ ok: true });
  });
});
