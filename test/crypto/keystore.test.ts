import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromB64u, toB64u, toHex, utf8 } from '../../src-main/codec/hex';
import { blstAvailable, createBls } from '../../src-main/crypto/bls';
import { unwrapKey, wrapKey } from '../../src-main/crypto/envelope';
import { newDataKey } from '../../src-main/crypto/aead';
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { loadKeystore, parseKeystore, readPublicInfo, saveKeystore } from '../../src-main/crypto/keystore';
import { KeystoreError, createIdentity, deriveGranteeKey, identityFromPhrase, identityFromSeed, recoveryPhrase } from '../../src-main/crypto/identity';
import { sha256 } from '../../src-main/crypto/hash';
import { domainBytes } from '../../src-main/codec/canonical';

const FAST = { N: 2 ** 10 };
let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'trichain-keystore-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('identity', () => {
  it('derives BLS and X25519 keys that work', () => {
    const id = createIdentity({ name: 'St. Elsewhere', role: 'provider' });
    const bls = createBls();
    expect(id.blsSecretKey.length).toBe(32);
    expect(id.blsPublicKey.length).toBe(48);
    expect(id.x25519PublicKey.length).toBe(32);
    const m = utf8('attest');
    expect(bls.verify(id.blsPublicKey, m, id.sign(m))).toBe(true);
    expect(bls.popVerify(id.blsPublicKey, id.proofOfPossession())).toBe(true);
    const dk = newDataKey();
    expect(unwrapKey(id.x25519SecretKey, wrapKey(id.x25519PublicKey, dk))).toEqual(dk);
    expect(Number.isNaN(Date.parse(id.meta.created))).toBe(false);
  });

  it('is deterministic in the seed, backend-independent, and separates the two keys', () => {
    const seed = new Uint8Array(32).fill(9);
    const meta = { name: 'x', role: 'patient', created: '2025-01-01T00:00:00.000Z' };
    const a = identityFromSeed(seed, meta, createBls('noble'));
    const b = identityFromSeed(seed, meta, createBls(blstAvailable() ? 'blst' : 'noble'));
    expect(toHex(a.blsSecretKey)).toBe(toHex(b.blsSecretKey));
    expect(toHex(a.x25519SecretKey)).toBe(toHex(b.x25519SecretKey));
    expect(toHex(a.blsSecretKey)).not.toBe(toHex(a.x25519SecretKey));
  });

  it('never serializes secrets', () => {
    const id = createIdentity({ name: 'n', role: 'r' });
    const json = JSON.stringify(id);
    expect(json).not.toContain(toHex(id.blsSecretKey));
    expect(json).toContain(toHex(id.blsPublicKey));
  });
});

describe('keystore file', () => {
  const pass = 'correct horse battery staple';

  it('saves atomically with mode 0600 and loads the same identity', async () => {
    const id = createIdentity({ name: 'Dr. Who', role: 'clinician' });
    const p = join(dir, 'a.json');
    await saveKeystore(p, id, pass, FAST);
    const st = await fs.stat(p);
    expect(st.mode & 0o777).toBe(0o600);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const j = JSON.parse(await fs.readFile(p, 'utf8'));
    expect(j.version).toBe(1);
    expect(j.kdf).toMatchObject({ name: 'scrypt', N: 1024, r: 8, p: 1 });
    expect(j.cipher.name).toBe('aes-256-gcm');
    expect(JSON.stringify(j)).not.toContain(toHex(id.blsSecretKey));
    const back = await loadKeystore(p, pass);
    expect(toHex(back.blsSecretKey)).toBe(toHex(id.blsSecretKey));
    expect(toHex(back.x25519SecretKey)).toBe(toHex(id.x25519SecretKey));
    expect(back.meta).toEqual(id.meta);
    // overwriting an existing file goes through rename as well
    await saveKeystore(p, back, 'new passphrase', FAST);
    expect(toHex((await loadKeystore(p, 'new passphrase')).blsPublicKey)).toBe(toHex(id.blsPublicKey));
  });

  it('readPublicInfo needs no passphrase', async () => {
    const id = createIdentity({ name: 'Acme Insurance', role: 'entity' });
    const p = join(dir, 'pub.json');
    await saveKeystore(p, id, pass, FAST);
    const info = await readPublicInfo(p);
    expect(toHex(info.publicKeys.bls)).toBe(toHex(id.blsPublicKey));
    expect(toHex(info.publicKeys.x25519)).toBe(toHex(id.x25519PublicKey));
    expect(info.meta).toEqual(id.meta);
  });

  it('wrong passphrase → KeystoreError "wrong passphrase"', async () => {
    const p = join(dir, 'w.json');
    await saveKeystore(p, createIdentity({ name: 'n', role: 'r' }), pass, FAST);
    const err = await loadKeystore(p, 'Correct horse battery staple').catch((e) => e);
    expect(err).toBeInstanceOf(KeystoreError);
    expect(err.message).toBe('wrong passphrase');
    expect(err.code).toBe('WRONG_PASSPHRASE');
  });

  it('an edited or damaged file says "keystore is corrupt", never "wrong passphrase"; never a partial identity', async () => {
    const p = join(dir, 't.json');
    await saveKeystore(p, createIdentity({ name: 'Real Name', role: 'patient' }), pass, FAST);
    const orig = JSON.parse(await fs.readFile(p, 'utf8'));
    const other = createIdentity({ name: 'o', role: 'o' });
    const edits: ((j: any) => void)[] = [
      (j) => (j.meta.name = 'Someone Else'),
      (j) => (j.meta.role = 'admin'),
      (j) => (j.publicKeys.bls = toHex(other.blsPublicKey)),
      (j) => (j.publicKeys.x25519 = toHex(other.x25519PublicKey)),
      (j) => (j.kdf.N = 2048),
      (j) => {
        const c = fromB64u(j.ciphertext);
        c[3] ^= 1;
        j.ciphertext = toB64u(c);
      },
      (j) => {
        const n = fromB64u(j.cipher.nonce);
        n[0] ^= 1;
        j.cipher.nonce = toB64u(n);
      },
    ];
    for (const edit of edits) {
      const j = structuredClone(orig);
      edit(j);
      await fs.writeFile(p, JSON.stringify(j));
      const err = await loadKeystore(p, pass).catch((e) => e);
      expect(err).toBeInstanceOf(KeystoreError);
      expect(err.message).toMatch(/^keystore is corrupt/);
      expect(err.code).toBe('CORRUPT');
      // and with a wrong passphrase too: the damage is reported, not the passphrase
      await expect(loadKeystore(p, 'not the passphrase')).rejects.toThrow(/^keystore is corrupt/);
    }
  });

  it('an edit that also recomputes the checksum is still refused: corrupt when the passphrase is right', async () => {
    const p = join(dir, 'r.json');
    await saveKeystore(p, createIdentity({ name: 'Real Name', role: 'patient' }), pass, FAST);
    const orig = JSON.parse(await fs.readFile(p, 'utf8'));
    const resealed = (j: any) => {
      const { header, ciphertext } = parseKeystore({ ...j, integrity: undefined, check: undefined });
      const integrity = sha256(
        domainBytes('keystore/v1/integrity', {
          version: header.version, kdf: { name: header.kdf.name, N: header.kdf.N, r: header.kdf.r, p: header.kdf.p, salt: header.kdf.salt },
          cipher: { name: header.cipher.name, nonce: header.cipher.nonce }, ciphertext, check: fromB64u(j.check),
          publicKeys: { bls: header.publicKeys.bls, x25519: header.publicKeys.x25519 }, meta: { ...header.meta },
        }),
      );
      return { ...j, integrity: toHex(integrity) };
    };
    const j = structuredClone(orig);
    j.meta.name = 'Someone Else';
    await fs.writeFile(p, JSON.stringify(resealed(j)));
    await expect(loadKeystore(p, pass)).rejects.toThrow(/^keystore is corrupt \(the passphrase is right/);
    await expect(loadKeystore(p, 'not the passphrase')).rejects.toThrow(/^wrong passphrase$/);
  });

  it('a file written before the passphrase check still loads; its failures say "wrong passphrase"', async () => {
    const p = join(dir, 'legacy.json');
    const id = createIdentity({ name: 'Old', role: 'hospital' });
    await saveKeystore(p, id, pass, FAST);
    const { check: _c, integrity: _i, ...legacy } = JSON.parse(await fs.readFile(p, 'utf8'));
    await fs.writeFile(p, JSON.stringify(legacy));
    expect(toHex((await loadKeystore(p, pass)).blsPublicKey)).toBe(toHex(id.blsPublicKey));
    await expect(loadKeystore(p, 'not the passphrase')).rejects.toThrow(/^wrong passphrase$/);
  });

  it('corrupt, truncated or unsupported files give clear errors', async () => {
    const p = join(dir, 'c.json');
    await saveKeystore(p, createIdentity({ name: 'n', role: 'r' }), pass, FAST);
    const text = await fs.readFile(p, 'utf8');
    const orig = JSON.parse(text);
    const cases: [string, string, RegExp][] = [
      ['truncated', text.slice(0, text.length / 2), /corrupt or truncated/],
      ['empty', '', /corrupt or truncated/],
      ['array', '[]', /keystore is corrupt/],
      ['short ciphertext', JSON.stringify({ ...orig, ciphertext: orig.ciphertext.slice(0, 20) }), /ciphertext has/],
      ['missing salt', JSON.stringify({ ...orig, kdf: { ...orig.kdf, salt: undefined } }), /kdf.salt/],
      ['bad N', JSON.stringify({ ...orig, kdf: { ...orig.kdf, N: 1000 } }), /power of two/],
      ['huge N', JSON.stringify({ ...orig, kdf: { ...orig.kdf, N: 2 ** 30 } }), /power of two/],
      ['version 2', JSON.stringify({ ...orig, version: 2 }), /unsupported version 2/],
      ['other kdf', JSON.stringify({ ...orig, kdf: { ...orig.kdf, name: 'pbkdf2' } }), /unsupported kdf/],
      ['bad hex key', JSON.stringify({ ...orig, publicKeys: { ...orig.publicKeys, bls: 'zz' } }), /publicKeys.bls/],
      ['bad meta', JSON.stringify({ ...orig, meta: { name: 'n' } }), /meta/],
    ];
    for (const [what, body, re] of cases) {
      await fs.writeFile(p, body);
      const e1 = await loadKeystore(p, pass).catch((e) => e);
      expect(e1, what).toBeInstanceOf(KeystoreError);
      expect(e1.message, what).toMatch(re);
      await expect(readPublicInfo(p), what).rejects.toThrow(re);
    }
    await expect(loadKeystore(join(dir, 'missing.json'), pass)).rejects.toThrow(/cannot read/);
  });

  it('refuses weak parameters and empty passphrases when saving', async () => {
    const id = createIdentity({ name: 'n', role: 'r' });
    await expect(saveKeystore(join(dir, 'x.json'), id, pass, { N: 16 })).rejects.toThrow(/power of two/);
    await expect(saveKeystore(join(dir, 'x.json'), id, '', FAST)).rejects.toThrow(/passphrase/);
    await expect(saveKeystore(join(dir, 'x.json'), { ...id } as never, pass, FAST)).rejects.toThrow(/not an identity/);
    await expect(saveKeystore(join(dir, 'no-such-dir', 'x.json'), id, pass, FAST)).rejects.toThrow(/cannot write/);
  });

  it('default scrypt N is 2^15', async () => {
    const p = join(dir, 'd.json');
    const id = createIdentity({ name: 'n', role: 'r' });
    await saveKeystore(p, id, pass);
    expect(JSON.parse(await fs.readFile(p, 'utf8')).kdf.N).toBe(32768);
    expect(toHex((await loadKeystore(p, pass)).blsPublicKey)).toBe(toHex(id.blsPublicKey));
  });
});

describe('recovery phrase and per-grantee keys', () => {
  const meta = { name: 'Milan', role: 'patient', created: '2026-01-01T00:00:00.000Z' };

  it('the 24-word BIP-39 phrase restores the same keys, per-grantee keys included', () => {
    const id = createIdentity(meta);
    const phrase = recoveryPhrase(id);
    expect(phrase.split(' ')).toHaveLength(24);
    const back = identityFromPhrase(`  ${phrase.toUpperCase().replace(/ /g, '   ')}\n`, meta);
    expect(toHex(back.blsPublicKey)).toBe(toHex(id.blsPublicKey));
    expect(toHex(back.x25519PublicKey)).toBe(toHex(id.x25519PublicKey));
    expect(toHex(deriveGranteeKey(back, 'entity:ab').pk)).toBe(toHex(deriveGranteeKey(id, 'entity:ab').pk));
  });

  it('refuses a mistyped word, a swapped word (checksum) and a short phrase', () => {
    const words = recoveryPhrase(createIdentity(meta)).split(' ');
    expect(() => identityFromPhrase([...words.slice(0, 23), 'notaword'].join(' '), meta)).toThrow(/recovery phrase is not valid/);
    // a real word in the last place whose checksum does not fit
    const wrong = wordlist.map((w) => [...words.slice(0, 23), w].join(' ')).find((p) => !validateMnemonic(p, wordlist))!;
    expect(() => identityFromPhrase(wrong, meta)).toThrow(/not valid/);
    expect(() => identityFromPhrase(words.slice(0, 12).join(' '), meta)).toThrow(/24 words/);
  });

  it('derives a distinct, valid key per grantee, unrelated to the main key', () => {
    const bls = createBls();
    const id = createIdentity(meta);
    const a = deriveGranteeKey(id, 'entity:aa', bls);
    const b = deriveGranteeKey(id, 'entity:bb', bls);
    const other = deriveGranteeKey(createIdentity(meta), 'entity:aa', bls);
    const keys = new Set([a.pk, b.pk, other.pk, id.blsPublicKey].map(toHex));
    expect(keys.size).toBe(4);
    const m = utf8('consent');
    expect(bls.verify(a.pk, m, a.sign(m))).toBe(true);
    expect(bls.verify(id.blsPublicKey, m, a.sign(m))).toBe(false);
    expect(bls.popVerify(a.pk, a.proofOfPossession())).toBe(true);
    expect(JSON.stringify(a)).not.toContain(toHex(a.sk));
  });
});
