import type { ChartPages } from './useChartPages';
import { CHART_PAGE } from './useChartPages';

/**
 * Under a page of the timeline: how many records are shown, and buttons for the older ones. They
 * stay enabled while the chart reloads: an open chart reloads after each block and each batch of
 * fetched records (every few seconds while a large import replicates), and a click that lands during
 * one must not be lost (the widened read replaces the reload).
 */
export function MoreRecords({ shown, total, pages }: { shown: number; total: number; pages: ChartPages }) {
  if (shown >= total) return null;
  return (
    <div className="timeline-more" data-testid="timeline-more">
      <span className="muted">Showing the newest {shown.toLocaleString('en')} of {total.toLocaleString('en')} records.</span>
      <button type="button" onClick={pages.more} data-testid="timeline-show-more">
        Show {Math.min(CHART_PAGE, total - shown).toLocaleString('en')} older
      </button>
      <button type="button" className="link" onClick={pages.all} data-testid="timeline-show-all">
        Show all {total.toLocaleString('en')}
      </button>
    </div>
  );
}
