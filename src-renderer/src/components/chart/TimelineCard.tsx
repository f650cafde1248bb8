import type { ChartResource } from '../../../../src-shared/api';
import { LabelChips } from '../LabelChips';
import { Values } from './Values';
import { RecordJson } from './RecordJson';

export interface CardActions {
  onAmend?: (r: ChartResource) => void;
  mayAmend?: (r: ChartResource) => boolean;
}

/**
 * What one timeline card shows inside its list item: the date (undated, or not readable here),
 * what matters for its type (values with units and flags, doses, onset and abatement, a goal's
 * text, a note's text), label chips, author, chain anchoring and pending state.
 */
export function TimelineCard({ r, onAmend, mayAmend }: { r: ChartResource } & CardActions) {
  return (
    <>
      <div className="timeline-date">
        {r.date ? <time dateTime={r.date}>{r.date.slice(0, 10)}</time>
          : !r.facts && !r.pending ? <span className="muted" data-testid="date-unreadable" title="This organization holds no key to this record, so its date cannot be read here">date not readable here</span>
          : <span className="muted" data-testid="undated">undated</span>}
      </div>
      <article className="timeline-body" aria-label={`${r.resourceType}: ${r.title}`}>
        <header>
          <span className="muted">{r.resourceType}</span>
          <h3>{r.title}</h3>
          {r.pending && <span className="badge badge-warn" title="Signed here, waiting for the chain to commit">pending</span>}
          {r.version > 1 && <span className="badge badge-neutral" title={r.amendedFrom ? `Amends ${r.amendedFrom}` : undefined}>v{r.version} (amended)</span>}
        </header>
        {r.facts?.values && <p className="card-values" data-testid="card-values"><Values values={r.facts.values} /></p>}
        {r.facts?.lines.map((l, i) => <p key={i} className="card-line" data-testid="card-line">{l}</p>)}
        {r.facts?.note && <p className="card-note" data-testid="card-note">{r.facts.note}</p>}
        {!r.facts && <p>{r.summary}</p>}
        <LabelChips labels={r.labels} resourceType={r.resourceType} />
        <footer className="muted">
          {r.author.name ? `${r.author.name}, ` : ''}{r.author.organization} · {r.chain} chain{r.txId ? ` · tx ${r.txId.slice(0, 12)}` : ''} · hash <code title={r.contentHash}>{r.contentHash.slice(0, 12)}…</code>
          {r.facts && !r.pending && <RecordJson recordId={r.id} />}
          {onAmend && (mayAmend?.(r) ?? true) && (
            <button type="button" className="link" onClick={() => onAmend(r)} data-testid="amend-record" aria-label={`Amend ${r.title}`}>Amend</button>
          )}
        </footer>
      </article>
    </>
  );
}
