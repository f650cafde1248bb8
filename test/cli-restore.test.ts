/**
 * `trichain init --role patient` shows the recovery phrase once and the enrolment request;
 * `trichain init --role patient --restore` on a new laptop yields the same keys (and the same key
 * for every grantee); a mistyped phrase is refused and creates nothing.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src-main/cli/main';
import type { CliIO } from '../src-main/cli/io';
import { defaultBls } from '../src-main/crypto/bls';
import { deriveGranteeKey } from '../src-main/crypto/identity';
import { parseEnrolmentRequest } from '../src-main/emr/enrol';
import { TrichainNode } from '../src-main/node/node';
import { toHex } from '../src-main/codec/hex';

const PASS = 'laptop-passphrase';

function io(env: Record<string, string> = {}): CliIO & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), env, passphrase: async () => PASS };
}

describe('trichain init: recovery phrase and restore', () => {
  it('restores the same keys on a new laptop from the phrase shown once', async () => {
    const first = join(mkdtempSync(join(tmpdir(), 'trichain-laptop-')), 'node');
    const a = io();
    expect(await main(['init', '--data', first, '--role', 'patient', '--name', 'Milan'], a)).toBe(0);
    const phraseLine = a.lines[a.lines.findIndex((l) => l.startsWith('Recovery phrase')) + 2].trim();
    expect(phraseLine.split(' ')).toHaveLength(24);
    const request = a.lines.find((l) => l.startsWith('trichain-enrol:'))!;
    const enrol = parseEnrolmentRequest(defaultBls(), request);
    const original = await TrichainNode.open(first, { passphrase: PASS });
    expect(toHex(enrol.blsPk)).toBe(original.publicKeyHex);
    // the phrase is not kept anywhere in the data folder's config; it is shown once
    original.close();

    const second = join(mkdtempSync(join(tmpdir(), 'trichain-laptop-')), 'node');
    const b = io({ TRICHAIN_RECOVERY_PHRASE: phraseLine });
    expect(await main(['init', '--data', second, '--role', 'patient', '--name', 'Milan', '--restore'], b)).toBe(0);
    expect(b.lines.some((l) => l.startsWith('Recovery phrase'))).toBe(false);
    const restored = await TrichainNode.open(second, { passphrase: PASS });
    const again = await TrichainNode.open(first, { passphrase: PASS });
    expect(restored.publicKeyHex).toBe(again.publicKeyHex);
    expect(toHex(restored.identity.x25519PublicKey)).toBe(toHex(again.identity.x25519PublicKey));
    expect(toHex(deriveGranteeKey(restored.identity, 'entity:ab').pk)).toBe(toHex(deriveGranteeKey(again.identity, 'entity:ab').pk));
    restored.close();
    again.close();

    // a mistyped phrase is refused and leaves no node behind
    const third = join(mkdtempSync(join(tmpdir(), 'trichain-laptop-')), 'node');
    const words = phraseLine.split(' ');
    const c = io({ TRICHAIN_RECOVERY_PHRASE: [...words.slice(0, 23), 'notaword'].join(' ') });
    expect(await main(['init', '--data', third, '--role', 'patient', '--name', 'Milan', '--restore'], c)).toBe(2);
    expect(c.errs.join('\n')).toMatch(/recovery phrase is not valid/);
    expect(existsSync(join(third, 'identity.json'))).toBe(false);
  });
});
