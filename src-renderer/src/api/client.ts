/**
 * The renderer's API client. It uses `window.trichain` when the Electron preload exposes it, else
 * the loopback HTTP/WebSocket bridge of the browser host (token taken from the URL fragment).
 * Both are a TrichainBridge; `makeApi` turns one into the typed TrichainApi that throws ApiError.
 */
import {
  ApiError, RENDERER_METHODS, TOKEN_HEADER, isEventName, validateEvent,
  type ApiInput, type ApiOutput, type Envelope, type EventName, type EventPayload, type RendererMethod,
  type TrichainApi, type TrichainBridge,
} from '../../../src-shared/api';

export { ApiError };

declare global {
  interface Window {
    trichain?: TrichainBridge;
  }
}

type Listener = (payload: unknown) => void;

/** Read the session token from `#token=…`, remember it for reloads, and remove it from the address bar. */
export function takeTokenFromLocation(loc: Pick<Location, 'hash'>, storage?: Pick<Storage, 'getItem' | 'setItem'>, clear?: () => void): string | null {
  const m = /(?:^#|&)token=([0-9a-fA-F]{16,256})(?:&|$)/.exec(loc.hash);
  if (m) {
    storage?.setItem('trichain.token', m[1]);
    clear?.();
    return m[1];
  }
  return storage?.getItem('trichain.token') ?? null;
}

export interface HttpBridgeOptions {
  origin: string;
  token: string;
  fetchImpl?: typeof fetch;
  WebSocketImpl?: typeof WebSocket;
}

/** The browser host bridge: POST /api/:method with the token header; events on /events. */
export function createHttpBridge(opts: HttpBridgeOptions): TrichainBridge {
  const doFetch = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const listeners = new Map<EventName, Set<Listener>>();
  let socket: WebSocket | null = null;
  let retry = 0;

  const connect = () => {
    const WS = opts.WebSocketImpl ?? (typeof WebSocket !== 'undefined' ? WebSocket : undefined);
    if (!WS || socket) return;
    const url = opts.origin.replace(/^http/, 'ws') + `/events?token=${encodeURIComponent(opts.token)}`;
    const ws = new WS(url);
    socket = ws;
    ws.onopen = () => { retry = 0; };
    ws.onmessage = (m: MessageEvent) => {
      let parsed: unknown;
      try { parsed = JSON.parse(String(m.data)); } catch { return; }
      const ev = validateEvent(parsed);
      if (!ev) return;
      for (const cb of listeners.get(ev.type) ?? []) cb(ev.payload);
    };
    ws.onclose = () => {
      socket = null;
      const anyone = [...listeners.values()].some((s) => s.size > 0);
      if (anyone && retry < 20) setTimeout(connect, Math.min(10_000, 250 * 2 ** retry++));
    };
  };

  return {
    async call<M extends RendererMethod>(method: M, input: ApiInput<M>): Promise<Envelope<ApiOutput<M>>> {
      try {
        const res = await doFetch(`${opts.origin}/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: opts.token },
          body: JSON.stringify(input ?? {}),
        });
        const body = (await res.json().catch(() => null)) as Envelope<ApiOutput<M>> | null;
        if (body && typeof body === 'object' && 'ok' in body) return body;
        return { ok: false, error: { code: 'UNAVAILABLE', message: `The node answered HTTP ${res.status}` } };
      } catch (e) {
        return { ok: false, error: { code: 'UNAVAILABLE', message: `Cannot reach the Trichain node: ${(e as Error).message}` } };
      }
    },
    on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void {
      if (!isEventName(event)) throw new Error(`Unknown event ${String(event)}`);
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(cb as Listener);
      connect();
      return () => { set.delete(cb as Listener); };
    },
  };
}

/** The typed API over a bridge: resolves with the value or throws ApiError. */
export function makeApi(bridge: TrichainBridge): TrichainApi {
  const api = {} as Record<string, (input: unknown) => Promise<unknown>>;
  for (const m of RENDERER_METHODS) {
    api[m] = async (input: unknown) => {
      const env = await bridge.call(m, (input ?? {}) as never);
      if (env.ok) return env.value;
      throw new ApiError(env.error.code, env.error.message);
    };
  }
  return api as unknown as TrichainApi;
}

export interface Client {
  api: TrichainApi;
  bridge: TrichainBridge;
  mode: 'electron' | 'browser';
}

/** Pick the bridge for where we run. Returns null when the browser page has no token. */
export function createClient(win: Window = window): Client | null {
  if (win.trichain && typeof win.trichain.call === 'function') {
    return { api: makeApi(win.trichain), bridge: win.trichain, mode: 'electron' };
  }
  let storage: Storage | undefined;
  try { storage = win.sessionStorage; } catch { storage = undefined; }
  const token = takeTokenFromLocation(win.location, storage, () => {
    win.history.replaceState(null, '', win.location.pathname + win.location.search);
  });
  if (!token) return null;
  const bridge = createHttpBridge({ origin: win.location.origin, token });
  return { api: makeApi(bridge), bridge, mode: 'browser' };
}

