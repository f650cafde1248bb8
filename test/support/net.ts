/** Test-only helpers for the net suites (not imported by production code). */
import { createTlsIdentity, type TlsIdentity } from '../../src-main/net/tls';
import type { PeerIdentity, Role } from '../../src-main/net/types';
import type { ChainId } from '../../src-main/ledger/types';

const cache = new Map<string, Promise<TlsIdentity>>();

/** A TLS identity per name, created once per test file. */
export function tlsFor(name: string): Promise<TlsIdentity> {
  let p = cache.get(name);
  if (!p) cache.set(name, (p = createTlsIdentity(name)));
  return p;
}

export function fakePeer(id: TlsIdentity, role: Role, name: string, validatorOf: ChainId[] = [], blsPk = new Uint8Array(48).fill(name.length)): PeerIdentity {
  return { fingerprint: id.fingerprint, blsPk, role, name, validatorOf };
}
