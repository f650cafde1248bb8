/**
 * The app in the patient role makes the patient's keys on this computer and returns, once, the
 * recovery phrase and the enrolment request: the phrase restores the same key, the request holds
 * public keys only and verifies, and no other call returns the phrase again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch, type ApiOutput } from '../src-shared/api';
import { createService, type Service } from '../src-main/app/service';
import { defaultBls } from '../src-main/crypto/bls';
import { identityFromPhrase } from '../src-main/crypto/identity';
import { parseEnrolmentRequest } from '../src-main/emr/enrol';
import { toHex } from '../src-main/codec/hex';
import { tempDir } from './support/ledger';

describe('identity.create in the patient role', () => {
  let svc: Service | undefined;
  afterAll(async () => svc?.close());

  it('returns the recovery phrase and enrolment request once; the phrase restores the same key', async () => {
    const before = process.env.TRICHAIN_NO_DEMO;
    process.env.TRICHAIN_NO_DEMO = '1';
    process.env.TRICHAIN_PASSPHRASE ??= 'patient-app-passphrase';
    try {
      svc = await createService({ dataDir: tempDir('patient-app-'), emit: () => {} });
    } finally {
      if (before === undefined) delete process.env.TRICHAIN_NO_DEMO;
      else process.env.TRICHAIN_NO_DEMO = before;
    }
    const call = async (method: string, input: unknown) => {
      const r = await dispatch(svc!, method as never, input, 'renderer');
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
      return r.value as never;
    };
    const prep = await call('sign.prepare', { method: 'identity.create', input: { role: 'patient', displayName: 'Milan' } }) as ApiOutput<'sign.prepare'>;
    const done = await call('sign.confirm', { requestId: prep.requestId }) as Extract<ApiOutput<'sign.confirm'>, { method: 'identity.create' }>;
    const { identity, recoveryPhrase, enrolmentRequest } = done.value;
    expect(recoveryPhrase!.split(' ')).toHaveLength(24);
    const restored = identityFromPhrase(recoveryPhrase!, { name: 'Milan', role: 'patient', created: new Date().toISOString() });
    const request = parseEnrolmentRequest(defaultBls(), enrolmentRequest!);
    expect(toHex(request.blsPk)).toBe(toHex(restored.blsPublicKey));
    expect(JSON.stringify(identity)).toContain(toHex(restored.blsPublicKey));
    // the phrase is not part of any later answer
    const info = JSON.stringify([await call('app.info', {}), await call('session.roles', {})]);
    expect(info).not.toContain(recoveryPhrase!.split(' ').slice(0, 4).join(' '));
  });
});
