/**
 * The ABCI socket server CometBFT connects to (proxy_app = "unix://…" or "tcp://…"). CometBFT opens
 * four connections (consensus, mempool, query, snapshot); on each, requests are answered strictly
 * in order. Handlers are synchronous or async; a connection processes one request at a time.
 * A handler that throws answers `exception` (CometBFT then stops: the app must not diverge).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import type { Request as Rq, Response as Rs } from 'cosmjs-types/tendermint/abci/types.js';
import { FrameReader, Response, decodeRequest, encodeResponse } from './wire';

type Method = Exclude<keyof Rq, 'flush' | 'echo'>;
export type Req = { [K in keyof Rq]-?: NonNullable<Rq[K]> };
/** Partial responses: missing fields take protobuf defaults. */
export type Res = { [K in keyof Rs]-?: Partial<NonNullable<Rs[K]>> };

export type AbciApplication = {
  [K in Method]?: (req: Req[K]) => Res[K] | Promise<Res[K]>;
} & { abort?(): void };

const METHODS = ['info', 'initChain', 'query', 'checkTx', 'commit', 'listSnapshots', 'offerSnapshot', 'loadSnapshotChunk', 'applySnapshotChunk', 'prepareProposal', 'processProposal', 'extendVote', 'verifyVoteExtension', 'finalizeBlock'] as const;

/** Default answers for what an application does not implement (snapshots: none offered). */
const DEFAULTS: Partial<Record<Method, unknown>> = {
  listSnapshots: { snapshots: [] },
  offerSnapshot: { result: 1 /* ABORT */ },
  loadSnapshotChunk: {},
  applySnapshotChunk: { result: 1 },
};

export interface AbciServer {
  readonly address: string;
  close(): Promise<void>;
}

export async function startAbciServer(app: AbciApplication, listen: { path: string } | { port: number; host?: string }, log?: (line: string) => void): Promise<AbciServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader();
    let queue: Promise<void> = Promise.resolve();
    let out: Uint8Array[] = [];
    const flushOut = () => {
      if (out.length === 0) return;
      socket.write(Buffer.concat(out));
      out = [];
    };
    socket.on('data', (chunk) => {
      let bodies: Uint8Array[];
      try {
        bodies = reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        log?.(`[abci] ${(e as Error).message}; closing the connection`);
        socket.destroy();
        return;
      }
      for (const body of bodies) {
        queue = queue.then(async () => {
          const res = await answer(app, body, log);
          out.push(encodeResponse(res));
          if (res.flush || out.length >= 256) flushOut();
        });
      }
      queue = queue.then(flushOut, (e) => {
        log?.(`[abci] ${(e as Error).message}`);
        socket.destroy();
      });
    });
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) app.abort?.();
    });
    socket.on('error', () => undefined);
  });
  if ('path' in listen && existsSync(listen.path)) unlinkSync(listen.path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in listen) server.listen(listen.path, resolve);
    else server.listen(listen.port, listen.host ?? '127.0.0.1', resolve);
  });
  const a = server.address();
  const address = 'path' in listen ? `unix://${listen.path}` : `tcp://127.0.0.1:${typeof a === 'object' && a ? a.port : listen.port}`;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function answer(app: AbciApplication, body: Uint8Array, log?: (line: string) => void): Promise<Rs> {
  let req: Rq;
  try {
    req = decodeRequest(body);
  } catch (e) {
    return Response.fromPartial({ exception: { error: `undecodable request: ${(e as Error).message}` } });
  }
  if (req.echo) return Response.fromPartial({ echo: { message: req.echo.message } });
  if (req.flush) return Response.fromPartial({ flush: {} });
  for (const m of METHODS) {
    const r = req[m];
    if (r === undefined) continue;
    try {
      const h = app[m] as ((x: unknown) => unknown) | undefined;
      const res = h ? await h.call(app, r) : (DEFAULTS[m] ?? {});
      return Response.fromPartial({ [m]: res } as never);
    } catch (e) {
      log?.(`[abci] ${m} failed: ${(e as Error).stack ?? String(e)}`);
      return Response.fromPartial({ exception: { error: `${m}: ${(e as Error).message}` } });
    }
  }
  return Response.fromPartial({ exception: { error: 'unknown request' } });
}
