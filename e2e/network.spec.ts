/**
 * A real network of two apps outside the demo (issue 10): two browser hosts, two engine processes,
 * two data folders, TRICHAIN_NO_DEMO=1. Hospital A founds a network and shows its invite; workstation
 * B pastes it, sees whom it joins, and hands back its peer line; A admits B from its UI. A record
 * added on A reaches B; with A's process stopped, B keeps reading and queues its own records, which
 * the UI shows waiting with their age; when A comes back they commit exactly once on both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { smallBundle } from '../test/support/bundles';
import { apiCall, expect, startFounding, startHostProcess, test, type RunningHost } from './fixtures/host';

const ENV = { TRICHAIN_NO_DEMO: '1', TRICHAIN_SYNC_INTERVAL_MS: '300' };

/** A signed action through the API (setup only: prepare, then confirm, as the sign dialog does). */
async function signed<T>(host: RunningHost, method: string, input: unknown): Promise<T> {
  const { requestId } = await apiCall<{ requestId: string }>(host, 'sign.prepare', { method, input });
  return (await apiCall<{ value: T }>(host, 'sign.confirm', { requestId })).value;
}

async function sign(page: Page, expectText: RegExp[]): Promise<void> {
  const dialog = page.getByTestId('sign-dialog');
  await expect(dialog).toBeVisible();
  for (const t of expectText) await expect(dialog).toContainText(t);
  await page.getByTestId('sign-confirm').click();
  await expect(dialog).toBeHidden();
}

type Chart = { resources: { id: string; title: string; author: { organization: string } }[] };

test('hospital A founds, workstation B joins by invite and is admitted; B queues while A is down and commits once when it returns', async ({ browser }) => {
  test.setTimeout(420_000);
  const dirA = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-netA-'));
  const dirB = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-netB-'));
  let a = await startHostProcess(dirA, { env: ENV });
  const b = await startHostProcess(dirB, { env: ENV });
  const pageA = await browser.newPage();
  const pageB = await browser.newPage();
  try {
    // ---- A founds the network and shows its invite (text and QR code)
    await startFounding(pageA, a.url);
    await sign(pageA, [/St Mary Hospital|Dr\. Ada Osei/]);
    await expect(pageA.getByTestId('shell')).toBeVisible();
    await pageA.getByTestId('nav-network').click();
    await expect(pageA.getByTestId('node-network')).toHaveText('Valley Health');
    await pageA.getByTestId('invite-make').click();
    await expect(pageA.getByTestId('invite-qr')).toBeVisible();
    expect(await pageA.getByTestId('invite-qr').getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    const invite = await pageA.getByTestId('invite-text').inputValue();
    expect(invite).toMatch(/^trichain-invite:/);
    const addressA = (await pageA.getByTestId('node-address').textContent())!;

    // ---- B: a mangled invite is refused with a clear message, and nothing changes
    await pageB.goto(b.url);
    await pageB.getByTestId('join-role-clinician').check();
    await pageB.getByTestId('join-name').fill('Ward 3 workstation');
    const mangled = invite.slice(0, 60) + (invite[60] === 'A' ? 'B' : 'A') + invite.slice(61);
    await pageB.getByTestId('join-invite').fill(mangled);
    await pageB.getByTestId('join-submit').click();
    await expect(pageB.getByRole('alert').filter({ hasText: /invite refused: .*(checksum|base64url)/ })).toBeVisible();
    await expect(pageB.getByTestId('sign-dialog')).toBeHidden();
    expect((await apiCall<{ initialized: boolean }>(b, 'app.info')).initialized).toBe(false);

    // ---- B joins: it sees the network, the inviting node, its address and fingerprint before trusting it
    await pageB.getByTestId('join-invite').fill(invite);
    await pageB.getByTestId('join-submit').click();
    await sign(pageB, [/Valley Health/, /St Mary Hospital \(hospital\)/, new RegExp(addressA.replace(/[.[\]]/g, '\\$&')), /Certificate fingerprint/]);
    await expect(pageB.getByTestId('joined')).toBeVisible();
    const peerLine = await pageB.getByTestId('joined-peerline').inputValue();
    expect(peerLine).toMatch(/^trichain-peer:/);
    await pageB.getByTestId('joined-done').click();
    await expect(pageB.getByTestId('shell')).toBeVisible();

    // ---- A admits B from its UI, seeing its name and role before it signs
    await pageA.getByTestId('admit-line').fill(peerLine.slice(0, -6) + 'AAAAAA');
    await pageA.getByTestId('admit-submit').click();
    await expect(pageA.getByRole('alert').filter({ hasText: /join request/ })).toBeVisible();
    await pageA.getByTestId('admit-line').fill(peerLine);
    await pageA.getByTestId('admit-submit').click();
    await sign(pageA, [/Ward 3 workstation/, /hospital/]);
    await expect(pageA.getByTestId('admit-result')).toContainText('Ward 3 workstation (hospital) admitted');

    // B receives the chains and shows St Mary reachable
    await pageB.getByTestId('nav-network').click();
    await expect(pageB.getByTestId('node-status')).toHaveText('online', { timeout: 60_000 });
    await expect(pageB.getByTestId('node-network')).toHaveText('Valley Health');

    // ---- a record added on A appears on B
    await signed(a, 'records.import', { importId: 'a-1', bundle: JSON.stringify(smallBundle('pat-a', 1)) });
    const [patientA] = (await apiCall<{ patients: { id: string }[] }>(a, 'patients.search', { query: 'pat-a' })).patients;
    await pageB.goto(`${b.origin}/#/self/chart/${patientA.id}`);
    await expect(pageB.getByText(/Observation \(held by St Mary Hospital\)/).first()).toBeVisible({ timeout: 60_000 });

    // ---- A's process stops: B is cut off, keeps reading its replica, and queues its own records
    await a.stop({ keepData: true });
    await pageB.getByTestId('nav-network').click();
    await expect(pageB.getByTestId('node-status')).toHaveText('offline', { timeout: 60_000 });
    const imported = await signed<{ imported: number }>(b, 'records.import', { importId: 'b-1', bundle: JSON.stringify(smallBundle('pat-b', 1)) });
    expect(imported.imported).toBeGreaterThan(0);
    await expect(pageB.getByTestId('pending-tx').first()).toBeVisible();
    // the import's records queue as one batch per patient (record.anchorBatch; its links are held until it commits)
    const waiting = await pageB.getByTestId('pending-tx').count();
    expect(waiting).toBeGreaterThanOrEqual(1);
    await expect(pageB.getByTestId('pending-tx').first().getByTestId('age')).toHaveText(/^\d+ s$/);
    await pageB.goto(`${b.origin}/#/self/chart/${patientA.id}`);
    await expect(pageB.getByText(/Observation \(held by St Mary Hospital\)/).first()).toBeVisible();
    const [patientB] = (await apiCall<{ patients: { id: string }[] }>(b, 'patients.search', { query: 'pat-b' })).patients;
    await pageB.goto(`${b.origin}/#/self/chart/${patientB.id}`);
    await expect(pageB.getByTitle('Signed here, waiting for the chain to commit').first()).toBeVisible();

    // ---- A comes back (same data folder, same peer address): B's records commit, once, on both
    a = await startHostProcess(dirA, { env: ENV });
    await pageB.getByTestId('nav-network').click();
    await expect(pageB.getByTestId('pending-empty')).toBeVisible({ timeout: 90_000 });
    await expect(pageB.getByTestId('node-status')).toHaveText('online');
    await pageB.goto(`${b.origin}/#/self/chart/${patientB.id}`);
    await expect(pageB.getByText(/Heart rate/).first()).toBeVisible();
    await expect(pageB.getByTitle('Signed here, waiting for the chain to commit')).toHaveCount(0);
    const onB = await apiCall<Chart>(b, 'patients.chart', { patientId: patientB.id });
    await expect.poll(async () => (await apiCall<Chart>(a, 'patients.chart', { patientId: patientB.id })).resources.length, { timeout: 60_000 }).toBe(onB.resources.length);
    const onA = await apiCall<Chart>(a, 'patients.chart', { patientId: patientB.id });
    expect(new Set(onA.resources.map((r) => r.id)).size).toBe(onA.resources.length);
    expect(onA.resources.map((r) => r.id).sort()).toEqual(onB.resources.map((r) => r.id).sort());
    expect(onA.resources.every((r) => r.author.organization === 'Ward 3 workstation')).toBe(true);
    // the restarted host serves a new address: open the one it printed (with its token), then the chart
    await pageA.goto(a.url);
    await expect(pageA.getByTestId('shell')).toBeVisible();
    await pageA.goto(`${a.origin}/#/self/chart/${patientB.id}`);
    await expect(pageA.getByText(/held by Ward 3 workstation/).first()).toBeVisible();
  } finally {
    await pageA.close();
    await pageB.close();
    await a.stop();
    await b.stop();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  }
});

test('a patient laptop joins from its first screen (keys made there), two hospitals enrol it from their charts, and the laptop reads records from both', async ({ browser }) => {
  test.setTimeout(420_000);
  const dirA = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-enrolA-'));
  const dirB = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-enrolB-'));
  const dirP = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-enrolP-'));
  const a = await startHostProcess(dirA, { env: ENV });
  const b = await startHostProcess(dirB, { env: ENV });
  const p = await startHostProcess(dirP, { env: ENV });
  const pageA = await browser.newPage();
  const pageB = await browser.newPage();
  const pageP = await browser.newPage();
  try {
    await signed(a, 'identity.create', { role: 'clinician', displayName: 'Dr. Ada Osei', organization: 'St Mary Hospital', network: 'Valley Health' });
    await signed(a, 'records.import', { importId: 'a-1', bundle: JSON.stringify(smallBundle('pat-ann', 2)) });
    const [ann] = (await apiCall<{ patients: { id: string }[] }>(a, 'patients.search', { query: 'pat-ann' })).patients;
    const { invite } = await apiCall<{ invite: string }>(a, 'network.invite');

    // a second hospital, not a validator, joins (setup through the API) and writes its own records of
    // Ann; St Mary admits it with its peer address, so that St Mary, the validator, fetches the
    // ciphertexts it writes (the laptop fetches them from St Mary, the one peer it knows)
    const joinedB = await signed<{ peerLine: string }>(b, 'network.join', { invite, identity: { role: 'clinician', displayName: 'Dr. Bo Lind', organization: 'Riverside Clinic' } });
    const addressB = (await apiCall<{ address: string | null }>(b, 'network.status')).address!;
    await signed(a, 'network.admit', { peerLine: joinedB.peerLine, address: addressB });
    await expect.poll(async () => (await apiCall<{ chains: string[] }>(b, 'app.info')).chains.length, { timeout: 60_000 }).toBe(3);
    await signed(b, 'records.import', { importId: 'b-1', bundle: JSON.stringify(smallBundle('pat-ann', 1)) });
    const [annB] = (await apiCall<{ patients: { id: string }[] }>(b, 'patients.search', { query: 'pat-ann' })).patients;

    // the laptop joins as a patient: its recovery phrase (once), its enrolment request and its peer line
    await pageP.goto(p.url);
    await pageP.getByTestId('join-invite').fill(invite);
    await pageP.getByTestId('join-role-patient').check();
    await pageP.getByTestId('join-name').fill('Ann Example');
    await pageP.getByTestId('join-submit').click();
    await sign(pageP, [/Valley Health/, /St Mary Hospital/]);
    await expect(pageP.getByTestId('phrase-words').locator('li')).toHaveCount(24);
    const request = await pageP.getByTestId('enrolment-request').inputValue();
    const peerLine = await pageP.getByTestId('joined-peerline').inputValue();

    // the hospital admits the laptop and enrols it from Ann's chart
    await pageA.goto(a.url);
    await pageA.getByTestId('nav-network').click();
    await pageA.getByTestId('admit-line').fill(peerLine);
    await pageA.getByTestId('admit-submit').click();
    await sign(pageA, [/Ann Example/, /patient/]);
    await pageA.goto(`${a.origin}/#/self/chart/${ann.id}`);
    await pageA.getByTestId('enrol-laptop').locator('summary').click();
    await pageA.getByTestId('enrol-request').fill(request);
    await pageA.getByTestId('enrol-submit').click();
    await sign(pageA, [/Enrol Test Patient pat-ann's laptop/]);

    // the laptop syncs its patient chain and reads the records St Mary wrapped for it
    await pageP.getByTestId('joined-done').click();
    await expect(pageP.getByTestId('my-records-view')).toBeVisible();
    await expect(pageP.getByText(/Heart rate/).first()).toBeVisible({ timeout: 60_000 });
    await expect(pageP.getByTestId('my-records-view')).toContainText('St Mary Hospital');
    await expect(pageP.getByTestId('my-records-view')).not.toContainText('Riverside Clinic');

    // Riverside enrols the same laptop from Ann's chart there (the same enrolment request): the
    // laptop then shows records from both hospitals
    await pageB.goto(b.url);
    await pageB.goto(`${b.origin}/#/self/chart/${annB.id}`);
    await pageB.getByTestId('enrol-laptop').locator('summary').click();
    await pageB.getByTestId('enrol-request').fill(request);
    await pageB.getByTestId('enrol-submit').click();
    await sign(pageB, [/Enrol Test Patient pat-ann's laptop/]);
    await expect(pageB.getByRole('alert')).toHaveCount(0);
    await expect(pageP.getByTestId('my-records-view')).toContainText('Riverside Clinic', { timeout: 120_000 });
    await expect(pageP.getByTestId('my-records-view')).toContainText('St Mary Hospital');
  } finally {
    await pageA.close();
    await pageB.close();
    await pageP.close();
    await a.stop();
    await b.stop();
    await p.stop();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
    rmSync(dirP, { recursive: true, force: true });
  }
});

test('a conflict made offline is shown, not swallowed: Riverside admits an organization while St Mary is away, St Mary admits it meanwhile; Riverside\'s registration is refused and its Network page says why', async ({ browser }) => {
  test.setTimeout(300_000);
  const dirA = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-confA-'));
  const dirB = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-confB-'));
  const dirC = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-confC-'));
  let a = await startHostProcess(dirA, { env: ENV });
  let b = await startHostProcess(dirB, { env: ENV });
  const c = await startHostProcess(dirC, { env: ENV });
  const pageB = await browser.newPage();
  try {
    // setup through the API: St Mary founds; Riverside joins and is admitted; an insurer joins (its peer line)
    await signed(a, 'identity.create', { role: 'clinician', displayName: 'Dr. Ada Osei', organization: 'St Mary Hospital', network: 'Valley Health' });
    const { invite } = await apiCall<{ invite: string }>(a, 'network.invite');
    const joinedB = await signed<{ peerLine: string }>(b, 'network.join', { invite, identity: { role: 'clinician', displayName: 'Dr. Bo Lind', organization: 'Riverside Clinic' } });
    await signed(a, 'network.admit', { peerLine: joinedB.peerLine });
    await expect.poll(async () => (await apiCall<{ chains: string[] }>(b, 'app.info')).chains.length, { timeout: 60_000 }).toBe(3);
    const joinedC = await signed<{ peerLine: string }>(c, 'network.join', { invite, identity: { role: 'entity', displayName: 'Acme Insurance', entityKind: 'insurer' } });
    await c.stop();

    // St Mary goes away; Riverside admits the insurer from its UI: the registration waits in its queue
    await a.stop({ keepData: true });
    await pageB.goto(b.url);
    await pageB.getByTestId('nav-network').click();
    await expect(pageB.getByTestId('node-status')).toHaveText('offline', { timeout: 60_000 });
    await pageB.getByTestId('admit-line').fill(joinedC.peerLine);
    await pageB.getByTestId('admit-kind').selectOption('insurer');
    await pageB.getByTestId('admit-submit').click();
    await sign(pageB, [/Acme Insurance/, /outside organization \(insurer\)/]);
    await expect(pageB.getByTestId('admit-result')).toContainText('Acme Insurance (entity) admitted: social pending');
    await expect(pageB.getByTestId('pending-tx').filter({ hasText: 'member.register' })).toHaveCount(1);

    // Riverside shuts down too (its queue stays in its data folder); St Mary comes back and admits the insurer itself
    await b.stop({ keepData: true });
    a = await startHostProcess(dirA, { env: ENV });
    await signed(a, 'network.admit', { peerLine: joinedC.peerLine, kind: 'insurer' });

    // Riverside comes back: St Mary refuses its queued registration, and Riverside's Network page says so
    b = await startHostProcess(dirB, { env: ENV });
    await pageB.goto(b.url);
    await pageB.getByTestId('nav-network').click();
    const refused = pageB.getByTestId('refused-tx').filter({ hasText: 'member.register' });
    await expect(refused).toHaveCount(1, { timeout: 90_000 });
    await expect(refused).toContainText(/on the social chain .*already/);
    await expect(pageB.getByTestId('pending-empty')).toBeVisible();
  } finally {
    await pageB.close();
    await a.stop();
    await b.stop();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
    rmSync(dirC, { recursive: true, force: true });
  }
});
