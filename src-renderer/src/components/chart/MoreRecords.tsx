import type { ChartPages } from './useChartPages';
import { CHART_PAGE } from './useChartPages';

/** Under a page of the timeline: how many records are shown, and buttons for the older ones. */
export function MoreRecords({ shown, total, pages }: { shown: number; total: number; pages: ChartPages }) {
  if (shown >= total) return null;
  const loading = pages.state.loading;
  return (
    <div className="timeline-more" data-testid="timeline-more">
      <span className="muted">Showing the newest {shown.toLocaleString('en')} of {total.toLocaleString('en')} records.</span>
      <button type="button" onClick={pages.more} disabled={loading} data-testid="timeline-show-more">
        Show {Math.min(CHART_PAGE, total - shown).toLocaleString('en')} older
      </button>
      <button type="button" className="link" onClick={pages.all} disabled={loading} data-testid="timeline-show-all">
        Show all {total.toLocaleString('en')}
      </button>
    </div>
  );
}
