/**
 * How a record's plaintext becomes a blob and back (DESIGN.md §3): a fresh AES-256-GCM data key
 * per record version; the blob is CBOR {v, nonce, ciphertext}; the data key is wrapped (X25519 +
 * HKDF + AES-GCM) for each reader. The record id and version are the associated data of both, so
 * a blob or wrapped key cannot be replayed under another record.
 */
import { canonicalDecode, canonicalEncode } from '../codec/canonical';
import { utf8 } from '../codec/hex';
import { newDataKey, openRecord, sealRecord } from '../crypto/aead';
import { decodeWrappedKey, encodeWrappedKey, unwrapKey, wrapKey, wrapKeys, type WrappedKey } from '../crypto/envelope';
import { contentHash } from '../crypto/hash';

export const recordAad = (recordId: string, version: number): Uint8Array => utf8(`trichain/record/${recordId}/v${version}`);
export const packageAad = (requestId: string): Uint8Array => utf8(`trichain/package/${requestId}`);

export interface SealedBlob {
  blob: Uint8Array;
  dataKey: Uint8Array;
  contentHash: Uint8Array;
}

/** Canonical plaintext of a FHIR resource (JSON with sorted keys), so its content hash is stable. */
export function resourceBytes(resource: unknown): Uint8Array {
  return utf8(stableJson(resource));
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sealBlob(plaintext: Uint8Array, aad: Uint8Array): SealedBlob {
  const dataKey = newDataKey();
  const sealed = sealRecord(dataKey, plaintext, aad);
  return { blob: canonicalEncode({ v: 1, nonce: sealed.nonce, ciphertext: sealed.ciphertext }), dataKey, contentHash: contentHash(plaintext) };
}

export function openBlob(blob: Uint8Array, dataKey: Uint8Array, aad: Uint8Array): Uint8Array {
  const b = canonicalDecode(blob) as { v: number; nonce: Uint8Array; ciphertext: Uint8Array };
  if (b?.v !== 1) throw new Error('blob: unsupported format');
  return openRecord(dataKey, { nonce: b.nonce, ciphertext: b.ciphertext }, aad);
}

export function wrapFor(recipientX25519: Uint8Array, dataKey: Uint8Array, aad: Uint8Array) {
  return encodeWrappedKey(wrapKey(recipientX25519, dataKey, aad));
}

/** Many data keys wrapped for one recipient with one ephemeral key (crypto/envelope.ts wrapKeys: an import's batch). */
export function wrapAllFor(recipientX25519: Uint8Array, items: { dataKey: Uint8Array; aad: Uint8Array }[]) {
  return wrapKeys(recipientX25519, items).map(encodeWrappedKey);
}

export function unwrapWith(secret: Uint8Array, wrapped: unknown, aad: Uint8Array): Uint8Array {
  return unwrapKey(secret, decodeWrappedKey(wrapped) as WrappedKey, aad);
}
