/** The few CometBFT RPC calls Trichain makes (loopback JSON-RPC): submit a transaction, read the height. */

/** Submits a signed transaction to a CometBFT node's mempool (broadcast_tx_async or _sync). */
export async function broadcastTx(rpc: string, tx: Uint8Array, mode: 'async' | 'sync' = 'async'): Promise<{ code: number; log?: string }> {
  const r = await fetch(`${rpc}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: `broadcast_tx_${mode}`, params: { tx: Buffer.from(tx).toString('base64') } }),
  });
  const j = (await r.json()) as { result?: { code: number; log?: string }; error?: { message: string; data?: string } };
  if (j.error) throw new Error(`broadcast_tx_${mode}: ${j.error.message}${j.error.data ? `: ${j.error.data}` : ''}`);
  return j.result!;
}

/** CometBFT's latest block height (its RPC status), or -1 when it does not answer. */
export async function cometHeight(rpc: string): Promise<number> {
  try {
    const r = await fetch(`${rpc}/status`);
    const j = (await r.json()) as { result: { sync_info: { latest_block_height: string } } };
    return Number(j.result.sync_info.latest_block_height);
  } catch {
    return -1;
  }
}

/** Resolves when CometBFT's RPC answers (after its handshake with the application). */
export async function rpcReady(rpc: string, home: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await cometHeight(rpc)) < 0) {
    if (Date.now() > end) throw new Error(`cometbft (${home}) did not answer on ${rpc} within ${timeoutMs} ms; see its cometbft.log`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
