import { useEffect, useState } from 'react';
import type { ApiOutput } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { useLoad } from '../../useLoad';

type Validators = ApiOutput<'demo.validators'>;

/**
 * The demo's validators (demo mode only): who validates each chain, running or stopped, and who
 * signed each chain's newest block. A trainer stops one validator here and shows the chains still
 * commit with three of four signers, then starts it again and watches it catch up.
 */
export function ValidatorsPanel() {
  const demo = useApp((s) => s.info?.demo ?? false);
  return demo ? <DemoValidators /> : null;
}

function DemoValidators() {
  const client = useApp((s) => s.client);
  const toast = useApp((s) => s.toast);
  const state = useLoad(() => api()['demo.validators']({}), []);
  const [shown, setShown] = useState<Validators | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const { reload } = state;

  // Every block changes who signed last: look again, at most every 1.5 s.
  useEffect(() => {
    if (!client) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = client.bridge.on('chain.updated', () => {
      if (!timer) timer = setTimeout(() => { timer = null; reload(); }, 1500);
    });
    return () => { off(); if (timer) clearTimeout(timer); };
  }, [client, reload]);
  useEffect(() => { if (state.data) setShown(state.data); }, [state.data]);

  const act = async (id: string, stop: boolean) => {
    setBusy(id);
    try {
      setShown(await api()[stop ? 'demo.stopValidator' : 'demo.startValidator']({ id: id as never }));
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };

  const d = shown;
  if (!d) return state.error ? <p className="inline-error" role="alert">Could not load the demo's validators: {state.error}</p> : null;
  return (
    <section className="card" aria-labelledby="validators-title" data-testid="validators-panel">
      <h2 id="validators-title">Validators (demo)</h2>
      <p className="muted">Stop one validator to show the chains keep committing with a quorum of the others; start it again and it catches up.</p>
      <table className="table">
        <thead><tr><th>Validator</th><th>Chains</th><th>State</th><th /></tr></thead>
        <tbody>
          {d.validators.map((v) => (
            <tr key={v.id} data-testid="validator-row" data-validator={v.id} data-running={String(v.running)}>
              <td>{v.name}</td>
              <td>{v.chains.join(', ')}</td>
              <td>
                <span className={`badge badge-${v.running ? 'good' : 'bad'}`} data-testid="validator-state">{v.running ? 'running' : 'stopped'}</span>{' '}
                <span data-testid="validator-behind" data-behind={v.behind}>{v.behind === 0 ? 'up to date' : `${v.behind} block${v.behind === 1 ? '' : 's'} behind`}</span>
              </td>
              <td>
                {v.running
                  ? <button type="button" disabled={busy !== null || !!v.cannotStop} title={v.cannotStop} onClick={() => void act(v.id, true)}>Stop</button>
                  : <button type="button" disabled={busy !== null} onClick={() => void act(v.id, false)}>Start</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ul className="list compact" aria-label="Newest block of each chain">
        {d.chains.map((c) => (
          <li key={c.chain} data-testid="validators-chain" data-chain={c.chain} data-signers={c.lastBlock?.signers.length ?? 0}>
            {c.chain} chain: {c.validators} validator{c.validators === 1 ? '' : 's'}, quorum {c.quorum}
            {c.lastBlock && <> · block {c.lastBlock.height} signed by {c.lastBlock.signers.length} of {c.validators}: {c.lastBlock.signers.join(', ')}</>}
          </li>
        ))}
      </ul>
    </section>
  );
}
