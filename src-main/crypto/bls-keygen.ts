/**
 * KeyGen of draft-irtf-cfrg-bls-signature-05 §2.3, built on HKDF-SHA-256 (RFC 5869) from
 * @noble/hashes. It is the same function blst exposes as SecretKey.fromKeygen, and EIP-2333 uses
 * as derive_master_SK, so both backends derive the identical secret key from the same IKM.
 *
 *   KeyGen(IKM, key_info = ""):
 *     salt = "BLS-SIG-KEYGEN-SALT-"
 *     SK = 0
 *     while SK == 0:
 *       salt = H(salt)
 *       PRK  = HKDF-Extract(salt, IKM || I2OSP(0, 1))
 *       OKM  = HKDF-Expand(PRK, key_info || I2OSP(L, 2), L)
 *       SK   = OS2IP(OKM) mod r
 *     return SK
 *
 * with H = SHA-256 and L = ceil((3 * ceil(log2(r))) / 16) = 48 (r has 255 bits), so the
 * reduction mod r is biased by at most 2^-128.
 */
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { BLS12_381_R, assertBytes, i2osp, os2ip } from './bls-common';
import { SECRET_KEY_LENGTH } from './bls-types';

/** Minimum IKM length (draft-05 §2.3: "IKM MUST be at least 32 bytes long"). */
export const KEYGEN_MIN_IKM_LENGTH = 32;
/** L = 48: HKDF output length for a 255-bit r. */
export const KEYGEN_OKM_LENGTH = 48;
const KEYGEN_SALT = new TextEncoder().encode('BLS-SIG-KEYGEN-SALT-');

/** Returns the 32-byte big-endian secret key for `ikm` (and optional `keyInfo`, default empty). */
export function ietfKeyGen(ikm: Uint8Array, keyInfo: Uint8Array = new Uint8Array(0)): Uint8Array {
  assertBytes(ikm, 'ikm');
  assertBytes(keyInfo, 'key_info');
  if (ikm.length < KEYGEN_MIN_IKM_LENGTH) throw new Error(`bls: keygen ikm must be at least ${KEYGEN_MIN_IKM_LENGTH} bytes, got ${ikm.length}`);
  const ikmZero = concatBytes(ikm, i2osp(0n, 1));
  const info = concatBytes(keyInfo, i2osp(BigInt(KEYGEN_OKM_LENGTH), 2));
  let salt: Uint8Array = KEYGEN_SALT;
  let sk = 0n;
  while (sk === 0n) {
    salt = sha256(salt);
    const prk = extract(sha256, ikmZero, salt);
    const okm = expand(sha256, prk, info, KEYGEN_OKM_LENGTH);
    sk = os2ip(okm) % BLS12_381_R;
  }
  return i2osp(sk, SECRET_KEY_LENGTH);
}
