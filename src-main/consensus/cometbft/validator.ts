/**
 * One chain of one validator on CometBFT: the ledger's CometApp behind an ABCI socket in the
 * CometBFT home, and the supervised `cometbft start` process.
 */
import { join } from 'node:path';
import type { BlsApi } from '../../crypto/bls-types';
import type { Ledger } from '../../ledger/ledger';
import type { ChainId, SignedTx } from '../../ledger/types';
import { CometApp } from './application';
import { CometProcess } from './process';
import { broadcastTx, cometHeight, rpcReady } from './rpc';
import { startAbciServer, type AbciServer } from './server';

export interface CometValidatorOptions {
  binary: string;
  home: string;
  ledger: Ledger;
  chain: ChainId;
  bls: BlsApi;
  blsSecretKey: Uint8Array;
  blsPublicKey: Uint8Array;
  rpcPort: number;
  faultyExtensions?: boolean;
  /** CometBFT's initial height (application.ts startHeight). */
  startHeight?: number;
  onCommitted?(height: number, txs: SignedTx[]): void;
  log?(line: string): void;
}

export const abciSocketPath = (home: string): string => join(home, 'abci.sock');

export class CometValidator {
  readonly app: CometApp;
  readonly process: CometProcess;
  private server: AbciServer | null = null;

  constructor(readonly o: CometValidatorOptions) {
    this.app = new CometApp({ ledger: o.ledger, chain: o.chain, bls: o.bls, blsSecretKey: o.blsSecretKey, blsPublicKey: o.blsPublicKey, faultyExtensions: o.faultyExtensions, startHeight: o.startHeight, onCommitted: o.onCommitted, log: o.log });
    this.process = new CometProcess(o.binary, o.home, o.log);
  }

  get rpc(): string {
    return `http://127.0.0.1:${this.o.rpcPort}`;
  }

  async start(): Promise<void> {
    if (!this.server) this.server = await startAbciServer(this.app, { path: abciSocketPath(this.o.home) }, this.o.log);
    this.process.start();
  }

  /** Stops CometBFT (SIGTERM; `kill`: SIGKILL, as a crash) and closes the ABCI socket. */
  async stop(kill = false): Promise<void> {
    await this.process.stop(5000, kill ? 'SIGKILL' : 'SIGTERM');
    await this.server?.close();
    this.server = null;
    this.app.abort();
  }

  close(): void {
    this.process.close();
  }

  /** Submits a signed transaction through this validator's mempool (broadcast_tx_async). */
  broadcast(tx: Uint8Array, mode: 'async' | 'sync' = 'async'): Promise<{ code: number; log?: string }> {
    return broadcastTx(this.rpc, tx, mode);
  }

  /** Resolves when CometBFT's RPC answers (after its handshake with the application). */
  ready(timeoutMs = 30_000): Promise<void> {
    return rpcReady(this.rpc, this.o.home, timeoutMs);
  }

  /** CometBFT's latest block height (its RPC status), or -1 when it does not answer. */
  cometHeight(): Promise<number> {
    return cometHeight(this.rpc);
  }
}
