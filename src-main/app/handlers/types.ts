/**
 * What a handler module provides: plain methods of its contract area, and for each signed method
 * of the area its summary (the words the person confirms) beside the action that runs on confirm.
 */
import type { ApiHandlers, ApiOutput, ApiRequest, RendererMethod, SignedMethod, SignSummary } from '../../../src-shared/api';

export interface SignedHandler<M extends SignedMethod> {
  /** What the sign dialog shows before anything is signed; `who` names the signer. */
  summary(input: ApiRequest<M>, who: string): SignSummary;
  /** Runs on sign.confirm: signs with the node's keys and writes the transaction(s). */
  run(input: ApiRequest<M>): Promise<ApiOutput<M>>;
}

export type SignedHandlers<M extends SignedMethod> = { [K in M]: SignedHandler<K> };
/** A prepared action of signed method M: its name and its validated input (a SignAction is one for some M). */
export interface SignedAction<M extends SignedMethod> {
  method: M;
  input: ApiRequest<M>;
}
export type Handlers<M extends Exclude<RendererMethod, `sign.${string}`>> = Pick<ApiHandlers, M>;
