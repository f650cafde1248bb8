import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';

/**
 * Bytes of one BLS aggregate signature vs one signature per party, as measured by the node, beside
 * the baseline most ledgers use: one ECDSA (secp256k1) signature per party.
 */
export function SignatureChart() {
  const state = useLoad(() => api()['storage.signatures']({}), []);
  return (
    <section className="card" aria-labelledby="sig-title" data-testid="signature-chart">
      <h2 id="sig-title">Signature storage</h2>
      <Async state={state} label="signature measurements" isEmpty={(d) => d.series.length === 0} emptyText="No measurements yet.">
        {(d) => (
          <>
            <p className="muted">Bytes needed to store the signatures of N parties. Baseline: one ECDSA (secp256k1) signature per party, as most ledgers store. Source: {d.source}.</p>
            <div className="chart" role="img" aria-label={`Aggregate signature stays ${d.series[0]?.aggregateBytes} bytes while one signature per party grows to ${d.series.at(-1)?.perPartyBlsBytes} bytes (BLS) or ${d.series.at(-1)?.perPartyEcdsaBytes ?? '?'} bytes (ECDSA baseline) at ${d.series.at(-1)?.parties} parties`}>
              <ResponsiveContainer width="100%" height={260}>
                <BarChart data={d.series} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" className="grid" />
                  <XAxis dataKey="parties" label={{ value: 'parties', position: 'insideBottom', offset: -4 }} />
                  <YAxis label={{ value: 'bytes', angle: -90, position: 'insideLeft' }} />
                  <Tooltip />
                  <Legend />
                  <Bar dataKey="aggregateBytes" name="BLS aggregate" fill="var(--accent)" />
                  <Bar dataKey="perPartyBlsBytes" name="one BLS signature per party" fill="var(--muted-fill)" />
                  <Bar dataKey="perPartyEcdsaBytes" name="baseline: one ECDSA signature per party" fill="var(--warn)" />
                </BarChart>
              </ResponsiveContainer>
            </div>
            <table className="table sr-only-table">
              <caption>Signature bytes by number of parties</caption>
              <thead><tr><th scope="col">Parties</th><th scope="col">Aggregate</th><th scope="col">Per party (BLS)</th><th scope="col">Per party (ECDSA baseline)</th></tr></thead>
              <tbody>{d.series.map((s) => <tr key={s.parties}><td>{s.parties}</td><td>{s.aggregateBytes}</td><td>{s.perPartyBlsBytes}</td><td>{s.perPartyEcdsaBytes ?? '—'}</td></tr>)}</tbody>
            </table>
          </>
        )}
      </Async>
    </section>
  );
}
