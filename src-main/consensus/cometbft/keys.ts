/**
 * CometBFT's ed25519 validator and node keys, as its files hold them (priv_validator_key.json,
 * node_key.json), and the 20-byte address CometBFT derives from a public key
 * (crypto/ed25519: SHA-256(pub)[:20]).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { readFileSync } from 'node:fs';
import { toHex } from '../../codec/hex';

export const addressOf = (ed25519Pub: Uint8Array): Uint8Array => sha256(ed25519Pub).subarray(0, 20);

/** The node ID CometBFT peers use (hex of the node key's address). */
export const nodeIdOf = (ed25519Pub: Uint8Array): string => toHex(addressOf(ed25519Pub));

interface KeyFile {
  pub_key?: { type: string; value: string };
  priv_key: { type: string; value: string };
}

/** The ed25519 public key in a CometBFT key file (its priv_key value is seed ‖ public key). */
export function publicKeyOfKeyFile(file: string): Uint8Array {
  const k = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
  if (k.priv_key?.type !== 'tendermint/PrivKeyEd25519') throw new Error(`${file}: not an ed25519 CometBFT key`);
  const priv = Buffer.from(k.priv_key.value, 'base64');
  if (priv.length !== 64) throw new Error(`${file}: ed25519 private key must be 64 bytes`);
  return new Uint8Array(priv.subarray(32));
}
