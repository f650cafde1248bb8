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
  onCommitted?(height: number, txs: SignedTx[]): void;
  log?(line: string): void;
}

export const abciSocketPath = (home: string): string => join(home, 'abci.sock');

export class CometValidator {
  readonly app: CometApp;
  readonly process: CometProcess;
  private server: AbciServer | null = null;

  constructor(readonly o: CometValidatorOptions) {
    this.app = new CometApp({ ledger: o.ledger, chain: o.chain, bls: o.bls, blsSecretKey: o.blsSecretKey, blsPublicKey: o.blsPublicKey, faultyExtensions: o.faultyExtensions, onCommitted: o.onCommitted, log: o.log });
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
  async broadcast(tx: Uint8Array, mode: 'async' | 'sync' = 'async'): Promise<{ code: number; log?: string }> {
    const r = await fetch(`${this.rpc}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: `broadcast_tx_${mode}`, params: { tx: Buffer.from(tx).toString('base64') } }),
    });
    const j = (await r.json()) as { result?: { code: number; log?: string }; error?: { message: string; data?: string } };
    if (j.error) throw new Error(`broadcast_tx_${mode}: ${j.error.message}${j.error.data ? `: ${j.error.data}` : ''}`);
    return j.result!;
  }

  /** Resolves when CometBFT's RPC answers (after its handshake with the application). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ((await this.cometHeight()) < 0) {
      if (Date.now() > end) throw new Error(`cometbft (${this.o.home}) did not answer on ${this.rpc} within ${timeoutMs} ms; see its cometbft.log`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** CometBFT's latest block height (its RPC status), or -1 when it does not answer. */
  async cometHeight(): Promise<number> {
    try {
      const r = await fetch(`${this.rpc}/status`);
      const j = (await r.json()) as { result: { sync_info: { latest_block_height: string } } };
      return Number(j.result.sync_info.latest_block_height);
    } catch {
      return -1;
    }
  }
}
