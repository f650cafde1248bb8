/**
 * TLS identities of Trichain nodes (DESIGN.md §4): a self-signed ECDSA P-256 certificate made by
 * @peculiar/x509 over WebCrypto. Nobody validates it against a CA: a peer is pinned by the
 * SHA-256 fingerprint of its DER certificate (as Syncthing pins device IDs) and the fingerprint
 * is bound to the node's BLS identity by a signed statement (./binding).
 *
 * Persisted in the data dir as DIR/tls/key.pem (mode 0600) and DIR/tls/cert.pem.
 */
// @peculiar/x509's dependency tsyringe needs the Reflect metadata API at load time.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { writeFileAtomic } from '../storage/atomic-file';
import { join } from 'node:path';

x509.cryptoProvider.set(globalThis.crypto);

export interface TlsIdentity {
  /** PKCS#8 private key, PEM. */
  keyPem: string;
  /** Self-signed X.509 certificate, PEM. */
  certPem: string;
  /** SHA-256 of the DER certificate, 64 lowercase hex characters. */
  fingerprint: string;
}

export const FINGERPRINT_HEX_LENGTH = 64;
const FP_RE = /^[0-9a-f]{64}$/;

/** Validity: from one day ago (clock skew) to 20 years on. Expiry is not what protects a pinned peer. */
const VALIDITY_MS = 20 * 365 * 24 * 3600 * 1000;

export function isFingerprint(s: unknown): s is string {
  return typeof s === 'string' && FP_RE.test(s);
}

/** Lower-cases and checks a fingerprint; accepts the colon-separated form OpenSSL prints. */
export function normalizeFingerprint(s: string): string {
  const f = s.replace(/:/g, '').toLowerCase();
  if (!FP_RE.test(f)) throw new Error(`tls: malformed certificate fingerprint "${s}" (expected 64 hex characters)`);
  return f;
}

export function fingerprintOfDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Constant-time comparison of two hex fingerprints (false on any malformed input). */
export function fingerprintsEqual(a: string, b: string): boolean {
  if (!isFingerprint(a) || !isFingerprint(b)) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

export async function createTlsIdentity(commonName: string): Promise<TlsIdentity> {
  if (typeof commonName !== 'string' || commonName.length === 0 || commonName.length > 64) throw new Error('tls: common name must be 1..64 characters');
  const alg: EcKeyGenParams & EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await globalThis.crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
    name: [{ CN: [commonName] }, { O: ['Trichain'] }],
    notBefore: new Date(now - 24 * 3600 * 1000),
    notAfter: new Date(now + VALIDITY_MS),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  const certPem = cert.toString('pem');
  return { keyPem, certPem, fingerprint: fingerprintOfDer(new Uint8Array(cert.rawData)) };
}

/** Checks that a key and certificate belong together and recomputes the fingerprint. */
export function checkTlsIdentity(keyPem: string, certPem: string): TlsIdentity {
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  if (!cert.checkPrivateKey(key)) throw new Error('tls: private key does not match the certificate');
  return { keyPem, certPem, fingerprint: fingerprintOfDer(cert.raw) };
}

export const tlsDir = (dataDir: string): string => join(dataDir, 'tls');

export function saveTlsIdentity(dataDir: string, id: TlsIdentity): void {
  const dir = tlsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(dir, 'key.pem'), id.keyPem, 0o600);
  writeFileAtomic(join(dir, 'cert.pem'), id.certPem, 0o644);
}

/** The identity stored in DIR/tls, or null if there is none. Throws if it is there but damaged. */
export function loadTlsIdentity(dataDir: string): TlsIdentity | null {
  const dir = tlsDir(dataDir);
  const k = join(dir, 'key.pem');
  const c = join(dir, 'cert.pem');
  if (!existsSync(k) && !existsSync(c)) return null;
  return checkTlsIdentity(readFileSync(k, 'utf8'), readFileSync(c, 'utf8'));
}

export async function loadOrCreateTlsIdentity(dataDir: string, commonName: string): Promise<TlsIdentity> {
  const existing = loadTlsIdentity(dataDir);
  if (existing) return existing;
  const id = await createTlsIdentity(commonName);
  saveTlsIdentity(dataDir, id);
  return id;
}
