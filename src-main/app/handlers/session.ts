/**
 * The session area (src-shared/api/session.ts): what this app is, the demo, the role it acts as,
 * and (signed) creating this node's identity or joining a network from an invite.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../../../src-shared/api';
import { CHAINS } from '../../ledger/types';
import { recoveryPhrase } from '../../crypto/keystore';
import { TrichainNode } from '../../node/node';
import { acceptInvite, localGenesisHex } from '../../node/join';
import { makeEnrolmentRequest } from '../../emr/enrol';
import { listPatients } from '../../emr/patients';
import type { AppSession } from '../session';
import { identityView } from '../views';
import type { Handlers, SignedHandlers } from './types';

const VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

export function sessionHandlers(s: AppSession): Handlers<'app.info' | 'demo.start' | 'demo.status' | 'session.roles' | 'session.switchRole'> {
  return {
    async 'app.info'() {
      const r = s.active ? s.roles.get(s.active) : undefined;
      return { name: 'Trichain' as const, version: VERSION, initialized: !!r, identity: r ? identityView(r.node) : null, demo: !!s.demo, chains: r ? r.node.chains() : [] };
    },
    async 'demo.start'() {
      if (!s.demo && s.roles.size) throw new ApiError('CONFLICT', 'this app already runs its own node; start the demo with another data folder (TRICHAIN_DATA)');
      await s.startDemo();
      return { roles: [...s.roles.values()].map((r) => r.session), active: s.active! };
    },
    async 'demo.status'() {
      return {
        running: !!s.demo, stage: s.demoStage,
        patients: s.demo ? listPatients(s.roles.get('stMary')?.node ?? s.current().node).length : 0,
        nodes: [...s.roles.values()].map((r) => ({ id: r.session.id, label: r.session.label, role: r.session.role, organization: r.session.organization, online: true })),
      };
    },
    async 'session.roles'() {
      return { roles: [...s.roles.values()].map((r) => r.session), active: s.active };
    },
    async 'session.switchRole'(i) {
      const r = s.roles.get(i.roleId);
      if (!r) throw new ApiError('NOT_FOUND', `no role ${i.roleId}`);
      s.active = i.roleId;
      return { active: r.session };
    },
  };
}

export function sessionSigned(s: AppSession): SignedHandlers<'identity.create' | 'network.join'> {
  return {
    'identity.create': {
      summary: (i) => ({ who: i.displayName, what: `Create a ${i.role} identity; its keys stay on this computer`, chain: ['patient', 'hospital', 'social'], details: [] }),
      async run(i) {
        if (s.roles.size) throw new ApiError('CONFLICT', 'this app already has an identity');
        const role = i.role === 'clinician' ? 'hospital' : i.role;
        const name = i.role === 'clinician' ? (i.organization || i.displayName) : i.displayName;
        const node = await TrichainNode.init(s.ownDir, { role, name, passphrase: s.unlockSecret(), found: role === 'hospital', kind: i.entityKind });
        await s.runOwn(node);
        // The patient's keys were made here; the phrase is returned this once and never stored.
        if (role === 'patient') return { identity: identityView(node), recoveryPhrase: recoveryPhrase(node.identity), enrolmentRequest: makeEnrolmentRequest(node.identity) };
        return { identity: identityView(node) };
      },
    },
    'network.join': {
      summary: (_i, who) => ({ who, what: 'Join a network from an invite and pin its peer', chain: ['patient', 'hospital', 'social'], details: [] }),
      async run(i) {
        const node = s.current().node;
        try {
          const { invite } = acceptInvite({ dataDir: node.paths.dir, invite: i.invite, bls: node.bls, localGenesisHex: localGenesisHex(node) });
          return { networkId: invite.network, chains: [...CHAINS].filter((c) => node.config.role === 'hospital' || (node.config.role === 'patient' ? c === 'patient' : c === 'social')), peers: [{ address: invite.address, fingerprint: invite.fingerprint }] };
        } catch (e) {
          throw new ApiError('BAD_REQUEST', `invite refused: ${(e as Error).message}`);
        }
      },
    },
  };
}
