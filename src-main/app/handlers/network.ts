/**
 * The network area (src-shared/api/network.ts): this node in its network as its running daemon
 * sees it, the invite a founding hospital hands out (text and QR code), and (signed) admitting the
 * peer line of a node that joined, with the functions `trichain invite` and `admit` use (../network).
 */
import type { AppSession } from '../session';
import { admitByLine, inspectPeerLine, inviteView, networkView } from '../network';
import type { Handlers, SignedHandlers } from './types';

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

export function networkSigned(s: AppSession): SignedHandlers<'network.admit'> {
  return {
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
            { label: 'Key', value: `${Buffer.from(st.blsPk).toString('hex').slice(0, 24)}…` },
          ],
        };
      },
      async run(i) {
        const node = s.current().node;
        const a = admitByLine(node, i.peerLine, i.kind);
        const st = a.binding.statement;
        return { peer: { name: st.name, role: st.role, fingerprint: st.fingerprint }, registered: a.registered };
      },
    },
  };
}
