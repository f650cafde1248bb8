import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../../src-main/cli/io';
import { defaultBls } from '../../../src-main/crypto/bls';
import { TrichainNode } from '../../../src-main/node/node';
import { readConfig, writeConfig } from '../../../src-main/node/config';
import { decodeBindingString, verifyBinding } from '../../../src-main/net/binding';
import * as inviteCmd from '../../../src-main/cli/commands/invite';
import { acceptJoinRequest, checkInvite, INVITE_MAX_AGE_MS, inviteFromNodeValues, inviteInputs, readJoinState } from '../../../src-main/node/join';
import * as joinCmd from '../../../src-main/cli/commands/join';
import { decodeInvite } from '../../../src-main/net/invite';
import { PeerList } from '../../../src-main/net/peers';
import { loadTlsIdentity } from '../../../src-main/net/tls';

const fast = { N: 1024, r: 8, p: 1 };
const tempDir = () => mkdtempSync(join(tmpdir(), 'trichain-net-cli-'));

function io(): CliIO & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), env: {}, passphrase: async () => 'pass-phrase' };
}

describe('trichain invite / join', () => {
  it('invite prints a verifiable invite for a running node; join pins the peer and prints its own binding', async () => {
    const a = tempDir();
    const na = await TrichainNode.init(a, { role: 'hospital', name: 'General Hospital', passphrase: 'pass-phrase', found: true, network: 'Valley', scrypt: fast });
    const statusA = na.status();
    na.close();
    const cfgPath = join(a, 'node.json');
    // no listen address yet
    await expect(inviteCmd.run(['--data', a], io())).rejects.toThrow(/listen/);
    writeConfig(cfgPath, { ...readConfig(cfgPath), listen: '127.0.0.1:7443' });
    const ia = io();
    expect(await inviteCmd.run(['--data', a], ia)).toBe(0);
    const invite = decodeInvite(ia.lines[0]);
    expect(invite).toMatchObject({ network: 'Valley', address: '127.0.0.1:7443', role: 'hospital', name: 'General Hospital', fingerprint: loadTlsIdentity(a)!.fingerprint });
    expect(Buffer.from(invite.genesis.hospital).toString('hex')).toBe(statusA.chains.hospital!.genesis);
    // --address overrides, wildcard refused
    writeConfig(cfgPath, { ...readConfig(cfgPath), listen: '0.0.0.0:7443' });
    await expect(inviteCmd.run(['--data', a], io())).rejects.toThrow(/--address/);
    const ib = io();
    await inviteCmd.run(['--data', a, '--address', 'hospital.example:7443'], ib);
    expect(decodeInvite(ib.lines[0]).address).toBe('hospital.example:7443');

    const b = tempDir();
    (await TrichainNode.init(b, { role: 'patient', name: 'Pat', passphrase: 'pass-phrase', scrypt: fast })).close();
    const jb = io();
    expect(await joinCmd.run([ia.lines[0], '--data', b], jb)).toBe(0);
    const pinned = PeerList.load(b).get(invite.fingerprint);
    expect(pinned).toMatchObject({ address: '127.0.0.1:7443', role: 'hospital', name: 'General Hospital', source: 'invite' });
    expect(readJoinState(b)).toMatchObject({ network: 'Valley', via: invite.fingerprint, genesis: { hospital: statusA.chains.hospital!.genesis } });
    const mine = decodeBindingString(jb.lines.at(-1)!);
    expect(verifyBinding(defaultBls(), mine)).toBe(true);
    expect(mine.statement).toMatchObject({ role: 'patient', name: 'Pat', fingerprint: loadTlsIdentity(b)!.fingerprint });

    // the inviter pins the joiner from that line
    acceptJoinRequest({ dataDir: a, binding: jb.lines.at(-1)!, bls: defaultBls(), expectedRole: 'patient' });
    expect(PeerList.load(a).get(mine.statement.fingerprint)).toMatchObject({ role: 'patient', name: 'Pat', source: 'join' });
  });

  it('join refuses a tampered invite and an invite of another network', async () => {
    const a = tempDir();
    (await TrichainNode.init(a, { role: 'hospital', name: 'H1', passphrase: 'pass-phrase', found: true, scrypt: fast })).close();
    const cfg = join(a, 'node.json');
    writeConfig(cfg, { ...readConfig(cfg), listen: '127.0.0.1:1' });
    const ia = io();
    await inviteCmd.run(['--data', a], ia);
    const s = ia.lines[0];
    const b = tempDir();
    (await TrichainNode.init(b, { role: 'patient', name: 'P', passphrase: 'pass-phrase', scrypt: fast })).close();
    await expect(joinCmd.run([s.slice(0, 40) + (s[40] === 'a' ? 'b' : 'a') + s.slice(41), '--data', b], io())).rejects.toThrow(/checksum|base64url/);
    expect(PeerList.load(b).list()).toEqual([]);
    // a node that founded its own network cannot join another
    const c = tempDir();
    (await TrichainNode.init(c, { role: 'hospital', name: 'H2', passphrase: 'pass-phrase', found: true, scrypt: fast })).close();
    await expect(joinCmd.run([s, '--data', c], io())).rejects.toThrow(/another network/);
    expect(PeerList.load(c).list()).toEqual([]);
  });

  it('join refuses an expired invite and one from the future, and changes nothing', async () => {
    const a = tempDir();
    const na = await TrichainNode.init(a, { role: 'hospital', name: 'H1', passphrase: 'pass-phrase', found: true, scrypt: fast });
    const inputs = await inviteInputs(na, a);
    na.close();
    const made = Date.now() - INVITE_MAX_AGE_MS - 60_000;
    const old = inviteFromNodeValues(inputs, '127.0.0.1:7443', made);
    const b = tempDir();
    (await TrichainNode.init(b, { role: 'patient', name: 'P', passphrase: 'pass-phrase', scrypt: fast })).close();
    await expect(joinCmd.run([old, '--data', b], io())).rejects.toThrow(/expired on \d{4}-\d{2}-\d{2}.*ask H1 for a new one/);
    expect(PeerList.load(b).list()).toEqual([]);
    expect(readJoinState(b)).toBeNull();
    // the same invite was good the day it was made; one dated an hour ahead is refused
    expect(checkInvite({ invite: old, bls: defaultBls(), now: made + 1000 }).name).toBe('H1');
    const ahead = inviteFromNodeValues(inputs, '127.0.0.1:7443', Date.now() + 3600_000);
    expect(() => checkInvite({ invite: ahead, bls: defaultBls() })).toThrow(/future/);
  });
});
