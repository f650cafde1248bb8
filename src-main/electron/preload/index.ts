/**
 * Preload (sandboxed, context-isolated): exposes exactly `window.trichain = { call, on }`.
 * No Electron or Node API reaches the page; the main process validates sender and input.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC, EVENT_NAME_LIST } from '../../../src-shared/ipc';
import type { ApiInput, ApiOutput, Envelope, EventName, EventPayload, RendererMethod, TrichainBridge } from '../../../src-shared/api';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC.event, (_event, ev: { type?: unknown; payload?: unknown } | null) => {
  if (!ev || typeof ev.type !== 'string') return;
  for (const cb of listeners.get(ev.type) ?? []) {
    try { cb(ev.payload); } catch { /* a listener's error is the page's problem */ }
  }
});

const bridge = {
  call<M extends RendererMethod>(method: M, input: ApiInput<M>): Promise<Envelope<ApiOutput<M>>> {
    if (typeof method !== 'string') return Promise.resolve({ ok: false, error: { code: 'BAD_REQUEST', message: 'method must be a string' } });
    return ipcRenderer.invoke(IPC.call, method, input ?? {}) as Promise<Envelope<ApiOutput<M>>>;
  },
  on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void {
    if (!(EVENT_NAME_LIST as readonly string[]).includes(event) || typeof cb !== 'function') {
      throw new Error(`Unknown event: ${String(event)}`);
    }
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(cb as Listener);
    return () => { set.delete(cb as Listener); };
  },
} satisfies TrichainBridge;

contextBridge.exposeInMainWorld('trichain', bridge);
