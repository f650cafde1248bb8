import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:tls';
import { PeerClient, PinMismatchError, PeerHttpError, peerRequest } from '../../src-main/net/client';
import { HttpError, route, startPeerServer, type NetLogEvent, type PeerServer } from '../../src-main/net/server';
import { fakePeer, tlsFor } from '../support/net';
import type { PeerIdentity } from '../../src-main/net/types';

const servers: PeerServer[] = [];
const clients: PeerClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(known: PeerIdentity[]) {
  const serverTls = await tlsFor('server');
  const calls: { path: string; peer: PeerIdentity }[] = [];
  const log: NetLogEvent[] = [];
  const allowed = new Map(known.map((p) => [p.fingerprint, p]));
  const server = await startPeerServer({
    tls: serverTls,
    listen: { host: '127.0.0.1', port: 0 },
    authorize: (fp) => allowed.get(fp) ?? null,
    log: (e) => log.push(e),
    maxBodyBytes: 4096,
    routes: [
      route('GET', '/hello/:who', ({ peer, params }) => {
        calls.push({ path: 'hello', peer });
        return { body: { hello: params.who, you: peer.name, role: peer.role } };
      }),
      route('POST', '/echo', ({ peer, body }) => {
        calls.push({ path: 'echo', peer });
        return { body: { got: body ?? null } };
      }),
      route('GET', '/count', function () {
        calls.push({ path: 'count', peer: null as never });
        return { stream: [1, 2, 3].map((n) => new Uint8Array(n).fill(n)) };
      }),
      route('GET', '/teapot', () => {
        throw new HttpError(418, 'short and stout');
      }),
    ],
  });
  servers.push(server);
  return { server, serverTls, calls, log, allowed };
}

function client(address: string, tls: { keyPem: string; certPem: string }, fp: string): PeerClient {
  const c = new PeerClient({ address, tls, expectedFingerprint: fp, timeoutMs: 5000 });
  clients.push(c);
  return c;
}

describe('peer server and client over mutual TLS', () => {
  it('serves a known, pinned peer and hands the handler its identity', async () => {
    const alice = await tlsFor('alice');
    const { server, serverTls, calls } = await setup([fakePeer(alice, 'hospital', 'Alice Hospital')]);
    const c = client(`127.0.0.1:${server.port}`, alice, serverTls.fingerprint);
    expect(await c.call('GET', '/hello/bob')).toEqual({ hello: 'bob', you: 'Alice Hospital', role: 'hospital' });
    expect(await c.call('POST', '/echo', { x: new Uint8Array([1, 2]), n: 7 })).toEqual({ got: { x: new Uint8Array([1, 2]), n: 7 } });
    const frames: Uint8Array[] = [];
    for await (const f of c.stream('/count')) frames.push(f);
    expect(frames).toEqual([Uint8Array.of(1), Uint8Array.of(2, 2), Uint8Array.of(3, 3, 3)]);
    expect(calls.map((x) => x.path)).toEqual(['hello', 'echo', 'count']);
    expect(calls[0].peer.fingerprint).toBe(alice.fingerprint);
    // one-shot form
    const r = await peerRequest({ url: `${server.url}/hello/carol`, tls: alice, expectedFingerprint: serverTls.fingerprint });
    expect(r).toEqual({ status: 200, body: { hello: 'carol', you: 'Alice Hospital', role: 'hospital' } });
  });

  it('refuses an unknown client fingerprint before any route runs', async () => {
    const alice = await tlsFor('alice');
    const mallory = await tlsFor('mallory');
    const { server, serverTls, calls, log } = await setup([fakePeer(alice, 'hospital', 'Alice')]);
    const c = client(`127.0.0.1:${server.port}`, mallory, serverTls.fingerprint);
    const err = await c.call('POST', '/echo', { secret: 'x' }).then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err).not.toBeNull();
    expect(err).not.toBeInstanceOf(PeerHttpError); // no HTTP response at all: the socket was cut
    expect(String(err!.code ?? err!.message)).toMatch(/ECONNRESET|EPIPE|socket hang up|ECONNABORTED/);
    expect(calls).toEqual([]);
    expect(server.stats.requests).toBe(0);
    expect(server.stats.refused).toBe(1);
    expect(log).toContainEqual(expect.objectContaining({ event: 'refused', reason: 'unknown certificate fingerprint', fingerprint: mallory.fingerprint }));
  });

  it('refuses a client that presents no certificate, and receives no bytes from the server', async () => {
    const alice = await tlsFor('alice');
    const { server, calls, log } = await setup([fakePeer(alice, 'hospital', 'Alice')]);
    const received = await new Promise<{ bytes: number; err: string | null }>((resolve) => {
      let bytes = 0;
      const s = connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
      s.on('secureConnect', () => s.write('GET /hello/x HTTP/1.1\r\nhost: x\r\n\r\n'));
      s.on('data', (d) => (bytes += d.length));
      s.on('error', (e) => resolve({ bytes, err: e.message }));
      s.on('close', () => resolve({ bytes, err: null }));
    });
    expect(received.bytes).toBe(0);
    expect(calls).toEqual([]);
    expect(log).toContainEqual(expect.objectContaining({ event: 'refused', reason: 'no client certificate' }));
  });

  it('the client refuses a server whose fingerprint is not the pinned one, before sending the request', async () => {
    const alice = await tlsFor('alice');
    const other = await tlsFor('other');
    const { server, calls } = await setup([fakePeer(alice, 'hospital', 'Alice')]);
    const c = client(`127.0.0.1:${server.port}`, alice, other.fingerprint);
    const err = await c.call('POST', '/echo', { secret: 'do not leak' }).catch((e) => e);
    expect(err).toBeInstanceOf(PinMismatchError);
    expect((err as PinMismatchError).expected).toBe(other.fingerprint);
    // the TLS handshake completed (the server authorized alice) but no request ever reached HTTP
    expect(server.stats.requests).toBe(0);
    expect(calls).toEqual([]);
  });

  it('enforces body limits, CBOR content type and maps errors to statuses', async () => {
    const alice = await tlsFor('alice');
    const { server, serverTls, calls } = await setup([fakePeer(alice, 'hospital', 'Alice')]);
    const c = client(`127.0.0.1:${server.port}`, alice, serverTls.fingerprint);
    const big = await c.request('POST', '/echo', { blob: new Uint8Array(10_000) });
    expect(big).toEqual({ status: 413, body: { error: 'body exceeds 4096 bytes' } });
    expect(calls).toEqual([]);
    expect((await c.request('GET', '/teapot')).status).toBe(418);
    expect(await c.request('GET', '/nothing')).toEqual({ status: 404, body: { error: 'no such route' } });
    expect((await c.request('POST', '/hello/x')).status).toBe(405);
  });

  it('a peer revoked while its connection is kept alive is cut at its next request', async () => {
    const alice = await tlsFor('alice');
    const { server, serverTls, allowed, calls } = await setup([fakePeer(alice, 'hospital', 'Alice')]);
    const c = client(`127.0.0.1:${server.port}`, alice, serverTls.fingerprint);
    await c.call('GET', '/hello/1');
    allowed.clear();
    await expect(c.call('GET', '/hello/2')).rejects.toThrow();
    expect(calls.length).toBe(1);
  });
});
