/**
 * One validator's ABCI application in a process of its own (as on its own server): opens the
 * validator's database, serves the Trichain application on the CometBFT home's socket and supervises
 * its `cometbft`. Started by RemoteValidator (remote.ts) for `trichain testnet --app-processes` and
 * the engines benchmark; the configuration arrives as JSON in TRICHAIN_COMET_APP. Prints
 * `TRICHAIN_COMET_APP_READY` once the socket listens; SIGTERM stops CometBFT, then exits.
 */
import { defaultBls } from '../../crypto/bls';
import { fromHex } from '../../codec/hex';
import { Ledger } from '../../ledger/ledger';
import type { ChainId } from '../../ledger/types';
import { openDatabase } from '../../storage/db';
import { CometValidator } from './validator';

export interface AppProcessConfig {
  binary: string;
  home: string;
  db: string;
  chain: ChainId;
  sk: string;
  pk: string;
  rpcPort: number;
  faulty?: boolean;
}

async function main(): Promise<void> {
  const c = JSON.parse(process.env.TRICHAIN_COMET_APP ?? '') as AppProcessConfig;
  const bls = defaultBls();
  const ledger = new Ledger(openDatabase(c.db), bls);
  const v = new CometValidator({
    binary: c.binary, home: c.home, ledger, chain: c.chain, bls, blsSecretKey: fromHex(c.sk), blsPublicKey: fromHex(c.pk), rpcPort: c.rpcPort,
    faultyExtensions: c.faulty, log: (l) => process.stderr.write(`${l}\n`),
  });
  await v.start();
  process.stdout.write('TRICHAIN_COMET_APP_READY\n');
  const stop = async () => {
    await v.stop();
    v.close();
    ledger.db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((e) => {
  process.stderr.write(`comet app process: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
