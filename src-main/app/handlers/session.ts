/**
 * The session area (src-shared/api/session.ts): what this app is, the demo, the role it acts as,
 * and (signed) creating this node's identity or joining a network from an invite.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../../../src-shared/api';
import { defaultBls } from '../../crypto/bls';
import { recoveryPhrase } from '../../crypto/identity';
import { TrichainNode } from '../../node/node';
import { inspectInvite, inviteDetails, joinByInvite } from '../network';
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
      if (s.active !== i.roleId) s.signIn = randomBytes(8).toString('hex');
      s.active = i.roleId;
      return { active: r.session };
    },
  };
}

export function sessionSigned(s: AppSession): SignedHandlers<'identity.create' | 'network.join'> {
  return {
    'identity.create': {
      summary: (i) => i.role === 'clinician'
        ? { who: i.organization || i.displayName, what: `Found the network "${i.network || `${i.organization || i.displayName} network`}": its three chains, with this hospital as their validator; its keys stay on this computer`, chain: ['patient', 'hospital', 'social'], details: [] }
        : { who: i.displayName, what: `Create a ${i.role} identity; its keys stay on this computer`, chain: ['patient', 'hospital', 'social'], details: [] },
      async run(i) {
        if (s.roles.size) throw new ApiError('CONFLICT', 'this app already has an identity');
        const role = i.role === 'clinician' ? 'hospital' : i.role;
        const name = i.role === 'clinician' ? (i.organization || i.displayName) : i.displayName;
        const node = await TrichainNode.init(s.ownDir, { role, name, passphrase: s.unlockSecret(), found: role === 'hospital', kind: i.entityKind, network: role === 'hospital' ? i.network : undefined });
        await s.addOwn(node);
        // The patient's keys were made here; the phrase is returned this once and never stored.
        if (role === 'patient') return { identity: identityView(node), recoveryPhrase: recoveryPhrase(node.identity), enrolmentRequest: makeEnrolmentRequest(node.identity) };
        return { identity: identityView(node) };
      },
    },
    'network.join': {
      summary(i, who) {
        // Everything is checked before the dialog opens: a bad invite never reaches "Sign".
        const node = s.active ? s.current().node : undefined;
        if (!node && !i.identity) throw new ApiError('BAD_REQUEST', 'who is this computer? (identity: role and name)');
        const inv = inspectInvite(node?.bls ?? defaultBls(), i.invite, node);
        const me = node ? who : `${i.identity!.displayName} (a new ${i.identity!.role === 'clinician' ? 'hospital or workstation' : i.identity!.role} identity; keys made on this computer)`;
        return { who: me, what: `Join the network "${inv.network}" through ${inv.name}: trust its node at ${inv.address} with this certificate`, chain: ['patient', 'hospital', 'social'], details: inviteDetails(inv) };
      },
      async run(i) {
        if (s.demo) throw new ApiError('CONFLICT', 'the demo\'s nodes are in their network already; join from another data folder (TRICHAIN_DATA)');
        let node = s.active ? s.current().node : null;
        if (!node) {
          if (!i.identity) throw new ApiError('BAD_REQUEST', 'who is this computer? (identity: role and name)');
          inspectInvite(defaultBls(), i.invite); // nothing is made for an invite that would be refused
          const role = i.identity.role === 'clinician' ? 'hospital' : i.identity.role;
          const name = i.identity.role === 'clinician' ? (i.identity.organization || i.identity.displayName) : i.identity.displayName;
          node = await TrichainNode.init(s.ownDir, { role, name, passphrase: s.unlockSecret(), found: false, kind: i.identity.entityKind });
          const joined = await joinByInvite(node, i.invite);
          await s.addOwn(node);
          // A patient's keys were just made here: the phrase is returned this once and never stored.
          if (role === 'patient') return { ...joined, recoveryPhrase: recoveryPhrase(node.identity), enrolmentRequest: makeEnrolmentRequest(node.identity) };
          return joined;
        }
        return joinByInvite(node, i.invite);
      },
    },
  };
}
