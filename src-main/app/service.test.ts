/**
 * The engine behind the UI, driven through the same dispatch path the host and Electron use, over
 * the real demo consortium (five nodes over HTTPS on loopback): the whole walk a trainer makes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { dispatch, type ApiOutput, type RendererMethod, type SignAction, type TrichainEvent } from '../../src-shared/api';
import { tempDir } from '../ledger/test-fixtures';
import { createService, purposeCode, type Service } from './service';

let svc: Service;
const events: TrichainEvent[] = [];

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
    svc = await createService({ dataDir: tempDir('svc-'), emit: (e) => events.push(e) });
    await call('demo.start', {});
  }, 180_000);
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
    const psy = chart.resources.find((r) => r.labels.sensitivity.includes('PSY'))!;
    expect(psy.labels.reasons.length).toBeGreaterThan(0);

    await as('patient');
    const mine = await call('patients.chart', {});
    expect(new Set(mine.resources.map((r) => r.author.organization)).size).toBe(2);
    const research = (await call('entities.list')).entities.find((e) => e.kind === 'research')!;
    const { consent } = await sign('consents.grant', { entityId: research.id, purpose: 'research', categories: ['condition', 'medication', 'encounter', 'demographics'], includeSensitive: [], validUntil: '2030-01-01' });
    expect(consent.status).toBe('active');

    await as('research');
    const visible = await call('patients.search', {});
    expect(visible.patients.map((p) => p.id)).toContain(milan);
    const { request } = await sign('shares.request', { patientId: milan, purpose: 'HRESCH', categories: ['condition', 'medication', 'encounter', 'demographics'], period: { from: '1900-01-01', to: '2030-01-01' } });

    await as('stMary');
    const preview = await call('shares.preview', { requestId: request.id });
    expect(preview.decision).toBe('allowed');
    expect(preview.excluded.some((e) => /sensitive/.test(e.reason))).toBe(true);
    expect(JSON.stringify(preview.included)).not.toMatch(/Milan|Beatty/);
    const approved = await sign('shares.approve', { requestId: request.id });
    expect(approved.request.status).toBe('fulfilled');

    await as('research');
    const { packages } = await call('packages.list');
    expect(packages.map((p) => p.id)).toContain(request.id);
    const v = await call('packages.verify', { packageId: request.id });
    expect(v.status, JSON.stringify(v.checks)).toBe('verified');
    expect(v.aggregateSignature).toHaveLength(192);
    const csv = await call('packages.export', { packageId: request.id, format: 'csv' });
    expect(csv.content.split('\n').length).toBeGreaterThan(5);
    expect(csv.content).not.toMatch(/Milan|Beatty/);

    await as('patient');
    const revoked = await sign('consents.revoke', { consentId: consent.id });
    expect(revoked.consent.status).toBe('revoked');
    expect(revoked.alreadyShared.map((s) => s.packageId)).toContain(request.id);

    await as('research');
    const again = (await sign('shares.request', { patientId: milan, purpose: 'HRESCH', categories: ['condition'], period: { from: '1900-01-01', to: '2030-01-01' } })).request;
    await as('stMary');
    const refused = await sign('shares.approve', { requestId: again.id });
    expect(refused.request.status).toBe('refused');
    expect(refused.request.decision?.reason).toMatch(/revoked/);

    await as('patient');
    const audit = await call('audit.list', {});
    const subjects = audit.entries.map((e) => e.subject);
    for (const s of ['consent.granted', 'share.published', 'share.refused', 'consent.revoked', 'chart.viewed']) expect(subjects).toContain(s);
  }, 180_000);

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

  it('maps purposes in words or codes', () => {
    expect(purposeCode('research')).toBe('HRESCH');
    expect(purposeCode('HPAYMT (healthcare payment)')).toBe('HPAYMT');
    expect(() => purposeCode('curiosity')).toThrow(/unknown purpose/);
  });
});
