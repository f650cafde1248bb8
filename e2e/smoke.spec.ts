import { test, expect, screenshotPath, pageErrors } from './fixtures/host';

// Smoke, over the real engine on an empty data folder with TRICHAIN_NO_DEMO=1: the renderer loads
// through the browser host, the first-run screen renders, and the API requires the session token.

test('first-run screen renders through the browser host', async ({ page, emptyHost: host }) => {
  const errors = pageErrors(page);
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(host.url);
  await expect(page.getByTestId('first-run')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Welcome to Trichain' })).toBeVisible();
  await expect(page.getByTestId('start-demo')).toBeEnabled();
  await expect(page.getByTestId('identity-form')).toBeVisible();
  // The token was taken from the fragment and removed from the address bar.
  expect(new URL(page.url()).hash).toBe('');
  await page.screenshot({ path: screenshotPath('first-run'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the API refuses a request without the token, and with a wrong one', async ({ request, emptyHost: host }) => {
  const none = await request.post(`${host.origin}/api/app.info`, { data: {} });
  expect(none.status()).toBe(401);
  expect(await none.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  const wrong = await request.post(`${host.origin}/api/app.info`, { data: {}, headers: { 'x-trichain-token': '0'.repeat(64) } });
  expect(wrong.status()).toBe(401);
  const right = await request.post(`${host.origin}/api/app.info`, { data: {}, headers: { 'x-trichain-token': host.token } });
  expect(right.status()).toBe(200);
  expect(await right.json()).toMatchObject({ ok: true, value: { name: 'Trichain', initialized: false } });
});

test('the page without a token explains how to connect, and a CSP header is sent', async ({ page, emptyHost: host }) => {
  const res = await page.goto(host.origin + '/');
  expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page.getByTestId('no-token')).toBeVisible();
});
