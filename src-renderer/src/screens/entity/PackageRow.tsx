import { useState } from 'react';
import type { ApiOutput, PackageSummary } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { labelsInWords } from '../../../../src-shared/explain';
import { download } from '../../download';

type Verification = ApiOutput<'packages.verify'>;

/** One package: verified/failed badge, proof details, export. */
export function PackageRow({ pkg }: { pkg: PackageSummary }) {
  const toast = useApp((s) => s.toast);
  const [v, setV] = useState<Verification | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const status = v?.status ?? pkg.verification;

  const verify = async () => {
    setBusy('verify');
    try { setV(await api()['packages.verify']({ packageId: pkg.id })); } catch (e) { toast('error', (e as Error).message); }
    setBusy(null);
  };
  const exportAs = async (format: 'fhir' | 'csv') => {
    setBusy(format);
    try {
      const r = await api()['packages.export']({ packageId: pkg.id, format });
      download(r.filename, r.mediaType, r.content);
      toast('info', `Exported ${r.filename} (${r.bytes.toLocaleString()} bytes).`);
    } catch (e) { toast('error', (e as Error).message); }
    setBusy(null);
  };

  return (
    <li className="card" data-testid="package" data-verification={status}>
      <div className="row-between">
        <div>
          <strong>{pkg.purpose}</strong> — {pkg.resourceCount} records ({labelsInWords(pkg.categories)}) for <code>{pkg.patientPseudonym}</code>
          <div className="muted">Requested by {pkg.entity.name}{pkg.hospitalName ? <> · shared by <span data-testid="package-hospital">{pkg.hospitalName}</span></> : null} · published {new Date(pkg.publishedAt).toLocaleString()} · hash <code title={pkg.packageHash}>{pkg.packageHash.slice(0, 16)}…</code></div>
        </div>
        <span className={`badge badge-${status === 'verified' ? 'good' : status === 'failed' ? 'bad' : 'neutral'}`} data-testid="verification-badge">{status}</span>
      </div>
      <div className="actions">
        <button type="button" onClick={verify} disabled={busy !== null} data-testid="verify-package">{busy === 'verify' ? 'Verifying…' : 'Verify proof'}</button>
        <button type="button" onClick={() => exportAs('fhir')} disabled={busy !== null} data-testid="export-fhir">Export FHIR</button>
        <button type="button" onClick={() => exportAs('csv')} disabled={busy !== null} data-testid="export-csv">Export CSV</button>
      </div>
      {v && (
        <details open data-testid="proof-details">
          <summary>Proof details</summary>
          <ul className="checks">
            {v.checks.map((c, i) => (
              <li key={i} className={c.ok ? 'ok' : 'bad'}><span aria-hidden>{c.ok ? '✔' : '✘'}</span> <span className="sr-only">{c.ok ? 'passed' : 'failed'}</span> <strong>{c.name}</strong>: {c.detail}</li>
            ))}
          </ul>
          <p className="muted">A block certificate means a quorum of that chain's validators checked what the block holds: on the hospital chain, each released record against the consent; on the social chain, that the consent was in force.</p>
          <p>Signers (one aggregate signature of {v.aggregateSignature.replace(/^0x/, '').length / 2} bytes):</p>
          <ul>{v.signers.map((s, i) => <li key={i}>{s.party} on the {s.chain} chain <code title={s.publicKey}>{s.publicKey.slice(0, 16)}…</code></li>)}</ul>
        </details>
      )}
    </li>
  );
}
