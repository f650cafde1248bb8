/**
 * Child process for the crash test (node.crash.test.ts): opens a node and commits blocks of
 * clinician registrations as fast as it can, printing "COMMITTED <chain> <height>" after each
 * commit returns, until it is killed with SIGKILL at an arbitrary moment.
 */
import { randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { txBytes, txId } from '../../src-main/ledger/encoding';
import { TrichainNode } from '../../src-main/node/node';

const [dir, passphrase] = process.argv.slice(2);
const node = await TrichainNode.open(dir, { passphrase });
const bls = node.bls;
process.stdout.write('READY\n');
for (;;) {
  // Queue 10 signed registrations straight into the mempool, then commit them as one block (each
  // carries a proof of possession, about 70 ms of pure-JS pairing work to make and check).
  for (let i = 0; i < 10; i++) {
    const sk = bls.keygen(randomBytes(32));
    const tx = node.sign('hospital', 'member.register', {
      role: 'clinician', name: `Dr ${i}`, blsPk: bls.publicKey(sk), x25519Pk: x25519.getPublicKey(randomBytes(32)), pop: bls.popProve(sk),
    });
    node.db.prepare('INSERT INTO mempool (chain, id, bytes, received) VALUES (?, ?, ?, ?)').run('hospital', txId(tx), txBytes(tx), Date.now());
  }
  const block = node.commitPending('hospital');
  if (block) process.stdout.write(`COMMITTED hospital ${block.header.height}\n`);
}
