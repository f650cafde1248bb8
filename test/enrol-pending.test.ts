/**
 * Enrolling a patient's laptop at a hospital that is not a validator, while the records it wrote
 * for that patient are still on their way to the chain (issue 10: a laptop enrolled at a second
 * hospital did not show that hospital's records). Those records could not be linked for the
 * patient yet, and once the laptop's keys replace the provisional id they were left behind for
 * good. Now the enrolment waits for them, or refuses with the count and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConsortium, PASS, type Consortium } from './support/consortium';
import { smallBundle } from './support/bundles';
import { tempDir } from './support/ledger';
import { toHex } from '../src-main/codec/hex';
import { EnrolError, enrolPatient, makeEnrolmentRequest } from '../src-main/emr/enrol';
import { findPatientByFhirId } from '../src-main/emr/patients';
import { importBundle, indexedRecordIds } from '../src-main/emr/records';
import { TrichainNode } from '../src-main/node/node';

describe('enrolment at a hospital whose records of the patient have not committed yet', () => {
  let c: Consortium;
  let laptop: TrichainNode;
  beforeAll(async () => {
    c = await makeConsortium();
    laptop = await TrichainNode.init(tempDir('laptop-'), { role: 'patient', name: 'Ann Example', passphrase: PASS, scrypt: { N: 2 ** 10 } });
  }, 120_000);
  afterAll(() => {
    laptop?.close();
    c?.close();
  });

  it('refuses with the count and changes nothing; once they have committed, every record is linked for the patient', async () => {
    // Riverside is a member, not a validator: its import waits in its outbox until it reaches St Mary.
    const [ann] = (await importBundle(c.riverside, smallBundle('pat-ann', 3))).patients;
    const provisional = ann.pk;
    const ids = indexedRecordIds(c.riverside, provisional);
    expect(ids.length).toBe(4);
    const outboxBefore = c.riverside.outbox().length;
    const request = makeEnrolmentRequest(laptop.identity);

    await expect(enrolPatient(c.riverside, { fhirId: 'pat-ann', request })).rejects.toThrow(new EnrolError(`4 of this hospital's records of ${ann.display} have not reached the chain yet: enrol again once they have committed (see Network)`));
    expect(toHex(findPatientByFhirId(c.riverside, 'pat-ann')!.pk)).toBe(toHex(provisional));
    expect(c.riverside.outbox().length).toBe(outboxBefore);

    // Waiting for them (as the app does, block by block) lets the enrolment link all of them.
    const r = await enrolPatient(c.riverside, {
      fhirId: 'pat-ann', request, waitForCommit: () => c.sync(),
      until: async (ok) => {
        for (let round = 0; round < 5 && !ok(); round++) await c.sync();
      },
    });
    expect(r.linked).toBe(4);
    await c.sync();
    const links = c.stMary.ledger.state('patient').scan(`link/${laptop.publicKeyHex}/`).map(([k]) => k.slice(k.lastIndexOf('/') + 1));
    expect(links.sort()).toEqual([...ids].sort());
  }, 120_000);
});
