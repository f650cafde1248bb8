import type { ChartResource } from '../../../src-shared/api';
import { TimelineCard, type CardActions } from './chart/TimelineCard';
import { VirtualTimeline } from './chart/VirtualTimeline';

/**
 * A timeline this long or longer renders only the cards on screen (and a few around them); a
 * shorter one renders every card, so the browser's find-in-page and plain Tab order see them all.
 * The first page of a chart (100) and the demo's charts stay under it; "Show all" on a chart of
 * 1,000 records goes over.
 */
export const VIRTUAL_FROM = 400;

/**
 * Records newest first (undated last, marked so; another organization's record this one cannot
 * read says its date cannot be read here), each card saying what matters for its type
 * (./chart/TimelineCard.tsx). A chart sends a page of cards at a time (their facts, not whole
 * resources: "FHIR" reads a record's JSON when asked); cards off screen are not laid out
 * (content-visibility), and a long timeline is windowed (./chart/VirtualTimeline.tsx).
 */
export function Timeline({ resources, onAmend, mayAmend }: { resources: ChartResource[] } & CardActions) {
  if (resources.length === 0) {
    return <div className="state state-empty" role="status" data-testid="empty-state">No records yet.</div>;
  }
  if (resources.length >= VIRTUAL_FROM) return <VirtualTimeline resources={resources} onAmend={onAmend} mayAmend={mayAmend} />;
  return (
    <ol className="timeline" aria-label="Records, newest first" data-testid="timeline">
      {resources.map((r) => (
        <li key={r.id} className="timeline-item" data-testid="timeline-item" data-resource-type={r.resourceType}>
          <TimelineCard r={r} onAmend={onAmend} mayAmend={mayAmend} />
        </li>
      ))}
    </ol>
  );
}
