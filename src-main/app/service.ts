/**
 * The node engine behind the UI: implements the API contract (src-shared/api.ts) on Trichain
 * nodes. It runs outside the renderer (in the browser host's process, which Electron spawns as a
 * separate Node process), so heavy work never blocks the window, and secret keys never cross the
 * contract: every signed action goes through SignDesk (prepare → summary → confirm).
 *
 * The handlers live by contract area in ./handlers (session, records, consents, shares, chains, network),
 * each signed method's summary beside its action; the session they share is ./session.ts.
 */
import { ApiError, SIGNED_METHODS, type ApiHandlers, type ApiOutput, type SignedMethod } from '../../src-shared/api';
import { precheck } from './checks';
import { AppSession, type SessionOptions } from './session';
import { sessionHandlers, sessionSigned } from './handlers/session';
import { recordsHandlers, recordsSigned } from './handlers/records';
import { consentsHandlers, consentsSigned } from './handlers/consents';
import { sharesHandlers, sharesSigned } from './handlers/shares';
import { chainsHandlers } from './handlers/chains';
import { networkHandlers, networkSigned } from './handlers/network';
import { demoHandlers } from './handlers/demo';
import type { SignedAction, SignedHandlers } from './handlers/types';

export type ServiceOptions = SessionOptions;
export type Service = ApiHandlers & { close(): Promise<void> };

export async function createService(opts: ServiceOptions): Promise<Service> {
  const s = await AppSession.open(opts);

  const signed: SignedHandlers<SignedMethod> = { ...sessionSigned(s), ...recordsSigned(s), ...consentsSigned(s), ...sharesSigned(s), ...networkSigned(s) };
  // `signed[a.method]` is the handler of the action's own method (SignedHandlers maps each method
  // to its handler), so it takes the action's input as it is.
  const summarize = <M extends SignedMethod>(a: SignedAction<M>) => signed[a.method].summary(a.input, s.who());
  const run = <M extends SignedMethod>(a: SignedAction<M>) => signed[a.method].run(a.input);

  /** Signed methods are reachable only through sign.confirm (the transports enforce it too). */
  const signedOnly: Pick<ApiHandlers, SignedMethod> = Object.fromEntries(
    SIGNED_METHODS.map((m) => [m, async () => {
      throw new ApiError('SIGNATURE_REQUIRED', `${m} signs a transaction: call sign.prepare, then sign.confirm`);
    }]),
  ) as Record<SignedMethod, () => Promise<never>>;

  return {
    ...sessionHandlers(s),
    ...signedOnly,
    ...recordsHandlers(s),
    ...consentsHandlers(s),
    ...sharesHandlers(s),
    ...chainsHandlers(s),
    ...networkHandlers(s),
    ...demoHandlers(s),
    async 'sign.prepare'(action) {
      const roleId = s.active ?? 'none';
      if (action.method !== 'identity.create' && action.method !== 'network.join') precheck(s.current().node, action, s.holder('patient')?.ledger.state('patient'));
      return s.desk.prepare(action, roleId, summarize(action));
    },
    async 'sign.confirm'(i) {
      const action = s.desk.take(i.requestId, s.active ?? 'none');
      // Answers once the transaction is queued: the screens show it pending until its block
      // commits (tx.pending and chain.updated events), never waiting on the network here.
      const value = await run(action);
      return { method: action.method, value } as ApiOutput<'sign.confirm'>;
    },
    async 'sign.cancel'(i) {
      return { cancelled: s.desk.cancel(i.requestId) };
    },
    close: () => s.close(),
  };
}
