import { useEffect, useState } from 'react';
import type { EventPayload } from '../../../../src-shared/api';
import { useApp } from '../../store';
import { runSigned } from '../../useLoad';
import { Progress } from '../../components/Progress';

const newImportId = () => `imp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Import a FHIR bundle (file or pasted JSON) with a progress bar fed by import.progress events. */
export function ImportBundle() {
  const client = useApp((s) => s.client);
  const requestSignature = useApp((s) => s.requestSignature);
  const go = useApp((s) => s.go);
  const [bundle, setBundle] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const [progress, setProgress] = useState<EventPayload<'import.progress'> | null>(null);
  const [result, setResult] = useState<{ imported: number; skipped: number; warnings: string[]; patientIds: string[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!client || !importId) return;
    return client.bridge.on('import.progress', (p) => { if (p.importId === importId) setProgress(p); });
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
    setResult(null);
    try {
      const parsed = JSON.parse(bundle) as { resourceType?: unknown };
      if (parsed.resourceType !== 'Bundle') throw new Error('expected a FHIR Bundle (resourceType "Bundle")');
    } catch (err) {
      setError(`Not a FHIR bundle: ${(err as Error).message}`);
      return;
    }
    const id = newImportId();
    setImportId(id);
    setProgress({ importId: id, phase: 'parsing', done: 0, total: 0 });
    const r = await runSigned(() => requestSignature({ method: 'records.import', input: { importId: id, bundle } }));
    if (r && r.method === 'records.import') setResult(r.value);
    else setProgress(null);
    setImportId(null);
  };

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
        <button type="submit" className="primary" disabled={!bundle.trim() || importId !== null} data-testid="import-submit">Import</button>
      </form>
      {progress && !result && (
        <Progress value={progress.done} max={progress.total} label={`Import: ${progress.phase}${progress.message ? ` — ${progress.message}` : ''}`} testId="import-progress" />
      )}
      {result && (
        <div className="card" role="status" data-testid="import-result">
          <p>Imported {result.imported} resources{result.skipped ? `, skipped ${result.skipped}` : ''}.</p>
          {result.warnings.length > 0 && <ul>{result.warnings.map((w, i) => <li key={i}>{w}</li>)}</ul>}
          {result.patientIds[0] && <button type="button" className="link" onClick={() => go('chart', result.patientIds[0])}>Open the chart</button>}
        </div>
      )}
    </section>
  );
}
