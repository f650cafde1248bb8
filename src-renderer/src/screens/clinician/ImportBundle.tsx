import { useEffect, useState } from 'react';
import type { ApiOutput } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { runSigned } from '../../useLoad';
import { Progress } from '../../components/Progress';

const newImportId = () => `imp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
type Status = ApiOutput<'imports.status'>;

/**
 * Import a FHIR bundle (file or pasted JSON) with a progress bar fed by import.progress events.
 * The import's id is in the address (#/…/import/<id>) and the node keeps its progress and result,
 * so a reload during or after a long import shows where it is or how it ended.
 */
export function ImportBundle() {
  const client = useApp((s) => s.client);
  const requestSignature = useApp((s) => s.requestSignature);
  const go = useApp((s) => s.go);
  const importId = useApp((s) => s.importId);
  const [bundle, setBundle] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Progress events of the import in the address; at the end, its result from the node.
  useEffect(() => {
    if (!client || !importId) return;
    let live = true;
    const read = () => api()['imports.status']({ importId }).then((s) => live && setStatus(s), () => { /* not started yet, or from before a restart */ });
    const off = client.bridge.on('import.progress', (p) => {
      if (p.importId !== importId || !live) return;
      setStatus((s) => ({ ...(s ?? { startedAt: new Date().toISOString() }), ...p, result: s?.result }));
      if (p.phase === 'done' || p.phase === 'failed') void read();
    });
    void read();
    return () => { live = false; off(); };
  }, [client, importId]);

  const onFile = async (e: React.ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    if (file.size > 19 * 1024 * 1024) { setError('The bundle is larger than 19 MB; split it into smaller bundles.'); return; }
    setFileName(file.name);
    setBundle(await file.text());
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const parsed = JSON.parse(bundle) as { resourceType?: unknown };
      if (parsed.resourceType !== 'Bundle') throw new Error('expected a FHIR Bundle (resourceType "Bundle")');
    } catch (err) {
      setError(`Not a FHIR bundle: ${(err as Error).message}`);
      return;
    }
    const id = newImportId();
    setStatus(null);
    go('import', id, 'replace');
    setRunning(true);
    const r = await runSigned(() => requestSignature({ method: 'records.import', input: { importId: id, bundle } }));
    setRunning(false);
    if (r && r.method === 'records.import') setStatus((s) => ({ ...(s ?? { startedAt: new Date().toISOString() }), importId: id, phase: 'done', done: r.value.imported, total: r.value.imported, result: r.value }));
    else if (!r) go('import', null, 'replace');
  };

  const result = status?.result;
  return (
    <section aria-labelledby="import-title" data-testid="import-view">
      <h1 id="import-title">Import a FHIR bundle</h1>
      <form onSubmit={submit} className="card">
        <label>Bundle file<input type="file" accept=".json,application/fhir+json,application/json" onChange={onFile} data-testid="import-file" /></label>
        <label>…or paste the bundle JSON
          <textarea rows={8} className="mono" value={bundle} onChange={(e) => { setBundle(e.target.value); setFileName(null); }} spellCheck={false} data-testid="import-json" />
        </label>
        {fileName && <p className="muted">Loaded {fileName} ({bundle.length.toLocaleString()} characters)</p>}
        {error && <p className="inline-error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={!bundle.trim() || running || (!!status && !result && status.phase !== 'failed')} data-testid="import-submit">Import</button>
      </form>
      {status && !result && status.phase !== 'failed' && (
        <Progress value={status.done} max={status.total} label={`Import: ${status.phase}${status.message ? ` — ${status.message}` : ''}`} testId="import-progress" />
      )}
      {status?.phase === 'failed' && <p className="inline-error" role="alert" data-testid="import-failed">The import failed: {status.message}</p>}
      {result && (
        <div className="card" role="status" data-testid="import-result">
          <p>Imported {result.imported} resources{result.skipped ? `, skipped ${result.skipped}` : ''}{status?.endedAt ? ` (finished ${new Date(status.endedAt).toLocaleTimeString()})` : ''}.</p>
          {result.warnings.length > 0 && <ul>{result.warnings.map((w, i) => <li key={i}>{w}</li>)}</ul>}
          {result.patientIds[0] && <button type="button" className="link" onClick={() => go('chart', result.patientIds[0])}>Open the chart</button>}
        </div>
      )}
    </section>
  );
}
