/**
 * The ABCI socket server (src-main/consensus/cometbft/server.ts, wire.ts) without CometBFT:
 * varint-length-prefixed protobuf, answers in order on each connection even when an earlier
 * handler is slower, a throwing handler answers `exception`, garbage closes the connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAbciServer } from '../../src-main/consensus/cometbft/server';
import { FrameReader, Request, decodeResponse, decodeUvarint, encodeRequest, encodeUvarint, type Response } from '../../src-main/consensus/cometbft/wire';

const dir = mkdtempSync(join(tmpdir(), 'trichain-abci-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function client(path: string) {
  const s = connect(path);
  const reader = new FrameReader();
  const got: Response[] = [];
  const waiters: (() => void)[] = [];
  s.on('data', (d) => {
    for (const b of reader.push(new Uint8Array(d))) got.push(decodeResponse(b));
    waiters.splice(0).forEach((f) => f());
  });
  return {
    send: (r: Partial<Request>) => s.write(encodeRequest(Request.fromPartial(r))),
    raw: (b: Uint8Array) => s.write(b),
    async take(n: number): Promise<Response[]> {
      while (got.length < n) await new Promise<void>((r) => waiters.push(r));
      return got.splice(0, n);
    },
    closed: new Promise<void>((r) => s.on('close', () => r())),
    end: () => s.destroy(),
  };
}

describe('ABCI framing', () => {
  it('uvarint round-trips and frames split across chunks are reassembled', () => {
    for (const n of [0, 1, 127, 128, 300, 16384, 2 ** 31]) expect(decodeUvarint(encodeUvarint(n))).toEqual({ value: n, bytes: encodeUvarint(n).length });
    const a = encodeRequest(Request.fromPartial({ echo: { message: 'a'.repeat(200) } }));
    const b = encodeRequest(Request.fromPartial({ flush: {} }));
    const all = new Uint8Array([...a, ...b]);
    const r = new FrameReader();
    const out = [...r.push(all.subarray(0, 1)), ...r.push(all.subarray(1, 150)), ...r.push(all.subarray(150))];
    expect(out.map((x) => Request.decode(x))).toMatchObject([{ echo: { message: 'a'.repeat(200) } }, { flush: {} }]);
  });
});

describe('ABCI socket server', () => {
  it('answers in order on one connection, even when an earlier answer takes longer', async () => {
    const path = join(dir, 'a.sock');
    const srv = await startAbciServer(
      {
        checkTx: async (req) => {
          if (req.tx[0] === 1) await new Promise((r) => setTimeout(r, 50));
          return { code: req.tx[0] };
        },
        info: () => ({ lastBlockHeight: 7n, data: 'x' }),
      },
      { path },
    );
    const c = client(path);
    c.send({ checkTx: { tx: Uint8Array.of(1), type: 0 } });
    c.send({ checkTx: { tx: Uint8Array.of(2), type: 0 } });
    c.send({ echo: { message: 'hi' } });
    c.send({ info: { version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' } });
    c.send({ flush: {} });
    const r = await c.take(5);
    expect(r[0].checkTx?.code).toBe(1);
    expect(r[1].checkTx?.code).toBe(2);
    expect(r[2].echo?.message).toBe('hi');
    expect(r[3].info?.lastBlockHeight).toBe(7n);
    expect(r[4].flush).toBeDefined();
    c.end();
    await srv.close();
  });

  it('a throwing handler answers an exception; undecodable bytes close the connection', async () => {
    const path = join(dir, 'b.sock');
    const srv = await startAbciServer({ commit: () => { throw new Error('boom'); } }, { path });
    const c = client(path);
    c.send({ commit: {} });
    c.send({ flush: {} });
    const [ex] = await c.take(2);
    expect(ex.exception?.error).toMatch(/commit: boom/);
    c.raw(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    await c.closed;
    await srv.close();
  });
});
