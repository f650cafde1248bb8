import { describe, expect, it } from 'vitest';
import { buildCsp, isAllowedHostHeader, isAllowedRendererUrl, isSafeExternalUrl, isSafeStorageUsable, permissionDecision } from '../../src-main/electron/policy';

describe('electron security policy', () => {
  it('CSP is strict: nothing inline, no eval, no remote origins', () => {
    const csp = buildCsp();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(buildCsp({ connect: ['ws://127.0.0.1:4000'] })).toContain("connect-src 'self' ws://127.0.0.1:4000");
  });

  it('allows only our renderer document', () => {
    const r = 'file:///app/out/renderer/index.html';
    expect(isAllowedRendererUrl('file:///app/out/renderer/index.html', r)).toBe(true);
    expect(isAllowedRendererUrl('file:///app/out/renderer/index.html#/chart', r)).toBe(true);
    expect(isAllowedRendererUrl('file:///etc/passwd', r)).toBe(false);
    expect(isAllowedRendererUrl('https://evil.example/', r)).toBe(false);
    expect(isAllowedRendererUrl('', r)).toBe(false);
    expect(isAllowedRendererUrl(undefined, r)).toBe(false);
    expect(isAllowedRendererUrl('not a url', r)).toBe(false);
    const dev = 'http://localhost:5173/';
    expect(isAllowedRendererUrl('http://localhost:5173/#x', dev)).toBe(true);
    expect(isAllowedRendererUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAllowedRendererUrl('http://evil.example:5173/', 'http://evil.example:5173/')).toBe(false);
  });

  it('denies every permission but the camera (video only) for the app page', () => {
    const app = { rendererUrl: 'file:///app/index.html' };
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      expect(permissionDecision(p, 'file:///app/index.html', app)).toBe(false);
    }
    expect(permissionDecision('media', 'file:///app/index.html', { ...app, mediaTypes: ['video'] })).toBe(true);
    // the microphone, alone or with the camera, and any other page are refused
    expect(permissionDecision('media', 'file:///app/index.html', { ...app, mediaTypes: ['audio'] })).toBe(false);
    expect(permissionDecision('media', 'file:///app/index.html', { ...app, mediaTypes: ['video', 'audio'] })).toBe(false);
    expect(permissionDecision('media', 'file:///app/other.html', { ...app, mediaTypes: ['video'] })).toBe(false);
    expect(permissionDecision('media', 'https://evil.example/', { ...app, mediaTypes: ['video'] })).toBe(false);
    expect(permissionDecision('geolocation', 'file:///app/index.html', { ...app, mediaTypes: ['video'] })).toBe(false);
  });

  it('opens only https links externally', () => {
    expect(isSafeExternalUrl('https://hl7.org/fhir')).toBe(true);
    expect(isSafeExternalUrl('http://hl7.org')).toBe(false);
    expect(isSafeExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isSafeExternalUrl('javascript:alert(1)')).toBe(false);
    expect(isSafeExternalUrl('https://user:pw@example.com')).toBe(false);
  });

  it('uses safeStorage only with a real OS backend', () => {
    expect(isSafeStorageUsable(false, 'gnome_libsecret')).toBe(false);
    expect(isSafeStorageUsable(true, 'basic_text')).toBe(false);
    expect(isSafeStorageUsable(true, 'unknown')).toBe(false);
    expect(isSafeStorageUsable(true, 'gnome_libsecret')).toBe(true);
    expect(isSafeStorageUsable(true, undefined)).toBe(true); // macOS Keychain / Windows DPAPI
  });

  it('answers only loopback Host headers', () => {
    expect(isAllowedHostHeader('127.0.0.1:8080', 8080)).toBe(true);
    expect(isAllowedHostHeader('localhost:8080', 8080)).toBe(true);
    expect(isAllowedHostHeader('evil.example:8080', 8080)).toBe(false);
    expect(isAllowedHostHeader(undefined, 8080)).toBe(false);
  });
});
