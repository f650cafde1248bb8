/**
 * Keystore files: an identity's seed (./identity) encrypted under a passphrase.
 *
 * Keystore file (JSON, version 1):
 *   { version: 1,
 *     kdf: { name: "scrypt", N, r, p, salt },                 (RFC 7914; salt base64url, 16 bytes)
 *     cipher: { name: "aes-256-gcm", nonce },                 (nonce base64url, 12 bytes)
 *     ciphertext,                                             (base64url: seed (32) || tag (16))
 *     check,                                                  (base64url: HKDF(key, "trichain/keystore-check"))
 *     publicKeys: { bls, x25519 },                            (hex)
 *     meta: { name, role, created },
 *     integrity }                                             (hex: SHA-256 of every other field)
 * The AES-256-GCM key is scrypt(NFKC(passphrase), salt, N, r, p, 32). The associated data is the
 * canonical CBOR of every public field (version, kdf, cipher name, public keys, meta), so editing
 * any of them, like editing the ciphertext, makes decryption fail. Loading tells the two failures
 * apart: `integrity` (no secret in it) is checked first, so a damaged or edited file says
 * "keystore is corrupt"; then `check`, a value derived from the passphrase's key, says "wrong
 * passphrase" when it differs; a file whose checks pass but whose ciphertext does not decrypt is
 * corrupt again. (Someone who edits the file on purpose can recompute `integrity`; GCM still
 * refuses the edit, reported as one of the two.) Files written before `check` and `integrity`
 * existed load as before and report any failure as "wrong passphrase".
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { domainBytes } from '../codec/canonical';
import { fromB64u, fromHex, toB64u, toHex, utf8 } from '../codec/hex';
import { AeadError, NONCE_LENGTH, TAG_LENGTH, gcmDecrypt, gcmEncrypt } from './aead';
import { defaultBls } from './bls';
import type { BlsApi } from './bls-types';
import { PUBLIC_KEY_LENGTH } from './bls-types';
import { X25519_KEY_LENGTH } from './envelope';
import { checkMeta, identityFromSeed, KeystoreError, SEED_LENGTH, seedOf, type Identity, type IdentityMeta, type KeystoreErrorCode } from './identity';

export const KEYSTORE_VERSION = 1;
export const SALT_LENGTH = 16;
export const INFO_CHECK = 'trichain/keystore-check';
/** scrypt defaults: N = 2^15, r = 8, p = 1 (RFC 7914 §2 interactive-use parameters). */
export const DEFAULT_SCRYPT = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
/** Bounds accepted when saving (MIN) and loading (both): keep tests fast, refuse DoS-sized files. */
export const MIN_SCRYPT_N = 2 ** 10;
export const MAX_SCRYPT_N = 2 ** 20;
const MAX_SCRYPT_R = 32;
const MAX_SCRYPT_P = 16;

export interface PublicInfo {
  version: number;
  publicKeys: { bls: Uint8Array; x25519: Uint8Array };
  meta: IdentityMeta;
}

export interface SaveOptions {
  N?: number;
  r?: number;
  p?: number;
}

function checkScrypt(N: unknown, r: unknown, p: unknown, code: KeystoreErrorCode): { N: number; r: number; p: number } {
  const int = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
  if (!int(N) || N < MIN_SCRYPT_N || N > MAX_SCRYPT_N || (N & (N - 1)) !== 0)
    throw new KeystoreError(`keystore: scrypt N must be a power of two in [2^10, 2^20], got ${String(N)}`, code);
  if (!int(r) || r < 1 || r > MAX_SCRYPT_R) throw new KeystoreError(`keystore: scrypt r must be in [1, ${MAX_SCRYPT_R}]`, code);
  if (!int(p) || p < 1 || p > MAX_SCRYPT_P) throw new KeystoreError(`keystore: scrypt p must be in [1, ${MAX_SCRYPT_P}]`, code);
  return { N, r, p };
}

function passphraseBytes(passphrase: unknown): Uint8Array {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new KeystoreError('keystore: passphrase must be a non-empty string', 'INVALID_ARGUMENT');
  return utf8(passphrase.normalize('NFKC'));
}

/** scrypt (RFC 7914) through node:crypto, off the main thread. */
function deriveKey(pass: Uint8Array, salt: Uint8Array, N: number, r: number, p: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    scryptCb(pass, salt, 32, { N, r, p, maxmem: 256 * N * r + (1 << 20) }, (err, key) =>
      err ? reject(new KeystoreError(`keystore: scrypt failed (${err.message})`, 'UNSUPPORTED', { cause: err })) : resolve(new Uint8Array(key)),
    ),
  );
}

interface Header {
  version: number;
  /** Passphrase check and file checksum (absent in files written before they existed). */
  check?: Uint8Array;
  integrity?: Uint8Array;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: Uint8Array };
  cipher: { name: 'aes-256-gcm'; nonce: Uint8Array };
  publicKeys: { bls: Uint8Array; x25519: Uint8Array };
  meta: IdentityMeta;
}

/** The associated data: every public field except the nonce, canonically encoded. */
function associatedData(h: Header): Uint8Array {
  return domainBytes('keystore/v1', {
    version: h.version,
    kdf: { name: h.kdf.name, N: h.kdf.N, r: h.kdf.r, p: h.kdf.p, salt: h.kdf.salt },
    cipher: { name: h.cipher.name },
    publicKeys: { bls: h.publicKeys.bls, x25519: h.publicKeys.x25519 },
    meta: { name: h.meta.name, role: h.meta.role, created: h.meta.created },
  });
}

/** The file's checksum: SHA-256 over every field but itself (no secret: it detects damage, not intent). */
function integrityOf(h: Header, ciphertext: Uint8Array, check: Uint8Array): Uint8Array {
  return sha256(
    domainBytes('keystore/v1/integrity', {
      version: h.version,
      kdf: { name: h.kdf.name, N: h.kdf.N, r: h.kdf.r, p: h.kdf.p, salt: h.kdf.salt },
      cipher: { name: h.cipher.name, nonce: h.cipher.nonce },
      ciphertext,
      check,
      publicKeys: { bls: h.publicKeys.bls, x25519: h.publicKeys.x25519 },
      meta: { name: h.meta.name, role: h.meta.role, created: h.meta.created },
    }),
  );
}

const passphraseCheck = (key: Uint8Array): Uint8Array => hkdf(sha256, key, undefined, utf8(INFO_CHECK), 32);

/** Encrypts `identity` under `passphrase` and writes it atomically (temp file, fsync, rename), mode 0600. */
export async function saveKeystore(path: string, identity: Identity, passphrase: string, opts: SaveOptions = {}): Promise<void> {
  const seed = seedOf(identity);
  const pass = passphraseBytes(passphrase);
  const { N, r, p } = checkScrypt(opts.N ?? DEFAULT_SCRYPT.N, opts.r ?? DEFAULT_SCRYPT.r, opts.p ?? DEFAULT_SCRYPT.p, 'INVALID_ARGUMENT');
  const header: Header = {
    version: KEYSTORE_VERSION,
    kdf: { name: 'scrypt', N, r, p, salt: new Uint8Array(randomBytes(SALT_LENGTH)) },
    cipher: { name: 'aes-256-gcm', nonce: new Uint8Array(randomBytes(NONCE_LENGTH)) },
    publicKeys: { bls: identity.blsPublicKey, x25519: identity.x25519PublicKey },
    meta: identity.meta,
  };
  const key = await deriveKey(pass, header.kdf.salt, N, r, p);
  const ciphertext = gcmEncrypt(key, header.cipher.nonce, seed, associatedData(header));
  const check = passphraseCheck(key);
  key.fill(0);
  const file = {
    version: header.version,
    kdf: { name: 'scrypt', N, r, p, salt: toB64u(header.kdf.salt) },
    cipher: { name: 'aes-256-gcm', nonce: toB64u(header.cipher.nonce) },
    ciphertext: toB64u(ciphertext),
    check: toB64u(check),
    publicKeys: { bls: toHex(header.publicKeys.bls), x25519: toHex(header.publicKeys.x25519) },
    meta: { name: header.meta.name, role: header.meta.role, created: header.meta.created },
    integrity: toHex(integrityOf(header, ciphertext, check)),
  };
  await writeAtomic(path, JSON.stringify(file, null, 2) + '\n');
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${toHex(new Uint8Array(randomBytes(6)))}.tmp`);
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(tmp, 'wx', 0o600);
    await fh.chmod(0o600); // the umask cannot widen it, but be explicit
    await fh.writeFile(text, 'utf8');
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fs.rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => {});
    await fs.unlink(tmp).catch(() => {});
    throw new KeystoreError(`keystore: cannot write ${path} (${(e as Error).message})`, 'IO', { cause: e });
  }
  // Persist the rename itself (best effort: not every platform can fsync a directory).
  try {
    const d = await fs.open(dir, 'r');
    await d.sync().catch(() => {});
    await d.close();
  } catch {
    /* ignore */
  }
}

async function readHeader(path: string): Promise<{ header: Header; ciphertext: Uint8Array }> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new KeystoreError(`keystore: cannot read ${path} (${(e as Error).message})`, 'IO', { cause: e });
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new KeystoreError(`keystore is corrupt or truncated (${path} is not valid JSON)`, 'CORRUPT', { cause: e });
  }
  return parseKeystore(j);
}

/** Validates a parsed keystore JSON value field by field. */
export function parseKeystore(j: unknown): { header: Header; ciphertext: Uint8Array } {
  const corrupt = (why: string) => new KeystoreError(`keystore is corrupt (${why})`, 'CORRUPT');
  const obj = (v: unknown, what: string): Record<string, unknown> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw corrupt(`${what} must be an object`);
    return v as Record<string, unknown>;
  };
  const bytes = (v: unknown, what: string, len: number | [number, number], dec: (s: string) => Uint8Array): Uint8Array => {
    if (typeof v !== 'string') throw corrupt(`${what} must be a string`);
    let b: Uint8Array;
    try {
      b = dec(v);
    } catch {
      throw corrupt(`${what} is not valid encoding`);
    }
    const [lo, hi] = typeof len === 'number' ? [len, len] : len;
    if (b.length < lo || b.length > hi) throw corrupt(`${what} has ${b.length} bytes`);
    return b;
  };
  const o = obj(j, 'keystore');
  if (o.version !== KEYSTORE_VERSION) {
    if (typeof o.version === 'number') throw new KeystoreError(`keystore: unsupported version ${o.version} (this build reads version ${KEYSTORE_VERSION})`, 'UNSUPPORTED');
    throw corrupt('missing version');
  }
  const kdf = obj(o.kdf, 'kdf');
  if (kdf.name !== 'scrypt') throw new KeystoreError(`keystore: unsupported kdf ${String(kdf.name)}`, 'UNSUPPORTED');
  const { N, r, p } = checkScrypt(kdf.N, kdf.r, kdf.p, 'CORRUPT');
  const cipher = obj(o.cipher, 'cipher');
  if (cipher.name !== 'aes-256-gcm') throw new KeystoreError(`keystore: unsupported cipher ${String(cipher.name)}`, 'UNSUPPORTED');
  const pks = obj(o.publicKeys, 'publicKeys');
  const header: Header = {
    version: KEYSTORE_VERSION,
    kdf: { name: 'scrypt', N, r, p, salt: bytes(kdf.salt, 'kdf.salt', [SALT_LENGTH, 64], fromB64u) },
    cipher: { name: 'aes-256-gcm', nonce: bytes(cipher.nonce, 'cipher.nonce', NONCE_LENGTH, fromB64u) },
    publicKeys: {
      bls: bytes(pks.bls, 'publicKeys.bls', PUBLIC_KEY_LENGTH, (s) => fromHex(s)),
      x25519: bytes(pks.x25519, 'publicKeys.x25519', X25519_KEY_LENGTH, (s) => fromHex(s)),
    },
    meta: checkMeta(o.meta, 'CORRUPT'),
  };
  const ciphertext = bytes(o.ciphertext, 'ciphertext', SEED_LENGTH + TAG_LENGTH, fromB64u);
  if (o.check !== undefined || o.integrity !== undefined) {
    header.check = bytes(o.check, 'check', 32, fromB64u);
    header.integrity = bytes(o.integrity, 'integrity', 32, (x) => fromHex(x));
    if (!constantTimeEqual(header.integrity, integrityOf(header, ciphertext, header.check))) throw corrupt('its contents do not match its checksum');
  }
  return { header, ciphertext };
}

/** Public keys and meta, without the passphrase. */
export async function readPublicInfo(path: string): Promise<PublicInfo> {
  const { header } = await readHeader(path);
  return { version: header.version, publicKeys: header.publicKeys, meta: header.meta };
}

/** Decrypts a keystore. Throws KeystoreError: "wrong passphrase", corrupt, unsupported or I/O. */
export async function loadKeystore(path: string, passphrase: string, bls: BlsApi = defaultBls()): Promise<Identity> {
  const pass = passphraseBytes(passphrase);
  const { header, ciphertext } = await readHeader(path);
  const key = await deriveKey(pass, header.kdf.salt, header.kdf.N, header.kdf.r, header.kdf.p);
  let seed: Uint8Array;
  try {
    if (header.check && !constantTimeEqual(passphraseCheck(key), header.check)) throw new KeystoreError('wrong passphrase', 'WRONG_PASSPHRASE');
    seed = gcmDecrypt(key, header.cipher.nonce, ciphertext, associatedData(header));
  } catch (e) {
    if (e instanceof AeadError) {
      if (header.check) throw new KeystoreError('keystore is corrupt (the passphrase is right but the encrypted key does not decrypt)', 'CORRUPT');
      throw new KeystoreError('wrong passphrase', 'WRONG_PASSPHRASE');
    }
    throw e;
  } finally {
    key.fill(0);
  }
  try {
    const id = identityFromSeed(seed, header.meta, bls);
    if (toHex(id.blsPublicKey) !== toHex(header.publicKeys.bls) || toHex(id.x25519PublicKey) !== toHex(header.publicKeys.x25519))
      throw new KeystoreError('keystore is corrupt (public keys do not match the decrypted seed)', 'CORRUPT');
    return id;
  } finally {
    seed.fill(0);
  }
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
