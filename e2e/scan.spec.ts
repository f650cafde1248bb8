/**
 * Joining by scanning the invite's QR code instead of pasting it (issue 10, item 2): hospital A
 * founds a network and shows its invite; B, a fresh app, reads a picture of A's QR code (a
 * screenshot of the code exactly as A's screen draws it) and gets the invite's exact text in its
 * join form, which it then checks like a pasted one. Bad pictures change nothing: a QR code that is
 * not an invite and a picture without a QR code are each refused with a clear message. (The camera
 * path feeds the same decoder from video frames; headless Chromium has no camera.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { expect, startFounding, startHostProcess, test } from './fixtures/host';

const ENV = { TRICHAIN_NO_DEMO: '1' };

test("a fresh app reads the founding hospital's invite from a picture of its QR code; other pictures are refused", async ({ browser }) => {
  test.setTimeout(240_000);
  const dirA = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-scanA-'));
  const dirB = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-scanB-'));
  const [a, b] = await Promise.all([startHostProcess(dirA, { env: ENV }), startHostProcess(dirB, { env: ENV })]);
  const pageA = await browser.newPage();
  const pageB = await browser.newPage();
  try {
    await startFounding(pageA, a.url);
    await pageA.getByTestId('sign-confirm').click();
    await expect(pageA.getByTestId('shell')).toBeVisible();
    await pageA.getByTestId('nav-network').click();
    await pageA.getByTestId('invite-make').click();
    const invite = await pageA.getByTestId('invite-text').inputValue();
    expect(invite).toMatch(/^trichain-invite:/);
    // The code is an <img> of an SVG: photograph it once it has loaded and decoded, not while blank.
    const qr = pageA.getByTestId('invite-qr');
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBeGreaterThan(0);
    const qrPicture = await qr.screenshot();

    await pageB.goto(b.url);
    const field = pageB.getByTestId('join-invite');
    await expect(field).toHaveValue('');

    // a QR code that is not an invite: refused, the form unchanged
    await pageB.getByTestId('scan-image').setInputFiles({ name: 'other.png', mimeType: 'image/png', buffer: await QRCode.toBuffer('https://example.org/not-an-invite', { width: 300 }) });
    await expect(pageB.getByTestId('scan-problem')).toHaveText('This QR code is not a Trichain invite.');
    await expect(field).toHaveValue('');

    // a picture with no QR code in it: refused, the form unchanged
    await pageB.getByTestId('scan-image').setInputFiles({ name: 'heading.png', mimeType: 'image/png', buffer: await pageB.locator('h2').first().screenshot() });
    await expect(pageB.getByTestId('scan-problem')).toHaveText('No QR code was found in that picture.');
    await expect(field).toHaveValue('');

    // the picture of A's code: the exact invite, then checked as a pasted one would be
    await pageB.getByTestId('scan-image').setInputFiles({ name: 'invite.png', mimeType: 'image/png', buffer: qrPicture });
    await expect(field).toHaveValue(invite);
    await expect(pageB.getByTestId('scan-problem')).toBeHidden();
    await pageB.getByTestId('join-role-clinician').check();
    await pageB.getByTestId('join-name').fill('Ward 3 workstation');
    await pageB.getByTestId('join-submit').click();
    const dialog = pageB.getByTestId('sign-dialog');
    await expect(dialog).toContainText('Valley Health');
    await expect(dialog).toContainText('St Mary Hospital');
    await pageB.getByTestId('sign-cancel').click();
    await expect(dialog).toBeHidden();
  } finally {
    await pageA.close();
    await pageB.close();
    await Promise.all([a.stop(), b.stop()]);
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  }
});
