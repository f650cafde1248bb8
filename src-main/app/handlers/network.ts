/**
 * The network area (src-shared/api/network.ts): this node in its network as its running daemon
 * sees it, the invite a founding hospital hands out (text and QR code), and (signed) admitting the
 * peer line of a node that joined, with the functions `trichain invite` and `admit` use (../network).
 */
import type { AppSession } from '../session';
import { admitByLine, inspectPeerLine, inviteView, networkView } from '../network';
import type { Handlers, SignedHandlers } from './types';
import { ApiError } from '../../../src-shared/api';
import { toHex } from '../../codec/hex';
import { EnrolError, enrolPatient, parseEnrolmentRequest } from '../../emr/enrol';
import { findPatient } from '../../emr/patients';
import { getMember } from '../../ledger/rules/members';
import type { TrichainNode } from '../../node/node';
import { pkOf } from '../session';

export function networkHandlers(s: AppSession): Handlers<'network.status' | 'network.invite'> {
  return {
    async 'network.status'() {
      const node = s.current().node;
      return networkView(node, s.ownNode(node));
    },
    async 'network.invite'(i) {
      const node = s.current().node;
      return inviteView(node, s.ownNode(node), i.address);
    },
  };
}

/** Resolves once `ok()` holds after a committed block (or now), else rejects after `ms`. */
function untilBlock(node: TrichainNode, ok: () => boolean, ms = 30_000, what = 'the patient\'s registration has not committed yet: enrol again once this node reaches its validator'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ok()) return resolve();
    const done = (err?: Error) => { clearTimeout(t); node.off('block', check); if (err) reject(err); else resolve(); };
    const check = () => { if (ok()) done(); };
    const t = setTimeout(() => done(new ApiError('UNAVAILABLE', what)), ms);
    node.on('block', check);
  });
}

/** The patient a hospital knows by `patientId`, with the enrolment request checked; else a clear error. */
function enrolTarget(node: TrichainNode, patientId: string, request: string) {
  if (node.config.role !== 'hospital') throw new ApiError('FORBIDDEN', 'only a hospital enrols patients');
  const entry = findPatient(node, pkOf(patientId));
  if (!entry) throw new ApiError('NOT_FOUND', 'no such patient at this hospital');
  try {
    return { entry, req: parseEnrolmentRequest(node.bls, request) };
  } catch (e) {
    throw new ApiError('BAD_REQUEST', (e as Error).message);
  }
}

export function networkSigned(s: AppSession): SignedHandlers<'network.admit' | 'network.enrol'> {
  return {
    'network.enrol': {
      summary(i, who) {
        const { entry, req } = enrolTarget(s.current().node, i.patientId, i.request);
        return {
          who, what: `Enrol ${entry.display}'s laptop: register the key it made on the patient chain and wrap this hospital's records of ${entry.display} for it`, chain: ['patient', 'hospital'],
          details: [{ label: 'Patient', value: `${entry.display} (${entry.fhirId})` }, { label: 'Laptop key', value: `${toHex(req.blsPk).slice(0, 24)}…` }],
        };
      },
      async run(i) {
        const node = s.current().node;
        const { entry, req } = enrolTarget(node, i.patientId, i.request);
        try {
          const r = await enrolPatient(node, { fhirId: entry.fhirId, request: i.request, waitForCommit: () => untilBlock(node, () => getMember(node.ledger.state('patient'), req.blsPk)?.role === 'patient'), until: (ok) => untilBlock(node, ok) });
          return { patientId: r.patient, registered: r.registered, linked: r.linked };
        } catch (e) {
          if (e instanceof EnrolError) throw new ApiError('CONFLICT', e.message);
          throw e;
        }
      },
    },
    'network.admit': {
      summary(i, who) {
        const node = s.current().node;
        const st = inspectPeerLine(node, i.peerLine).statement;
        return {
          who,
          what: `Admit ${st.name} (${st.role}) into ${node.config.network ?? 'this network'}: accept its connections and register it as a member`,
          chain: st.role === 'hospital' ? ['patient', 'hospital', 'social'] : st.role === 'patient' ? ['patient'] : ['social'],
          details: [
            { label: 'Name', value: st.name },
            { label: 'Role', value: st.role === 'hospital' ? 'hospital (or clinic workstation)' : st.role === 'entity' ? `outside organization${i.kind ? ` (${i.kind})` : ''}` : 'patient' },
            { label: 'Certificate fingerprint', value: st.fingerprint },
            ...(i.address ? [{ label: 'Peer address', value: i.address }] : []),
            { label: 'Key', value: `${Buffer.from(st.blsPk).toString('hex').slice(0, 24)}…` },
          ],
        };
      },
      async run(i) {
        const node = s.current().node;
        const a = admitByLine(node, i.peerLine, i.kind, i.address);
        const st = a.binding.statement;
        return { peer: { name: st.name, role: st.role, fingerprint: st.fingerprint }, registered: a.registered };
      },
    },
  };
}
