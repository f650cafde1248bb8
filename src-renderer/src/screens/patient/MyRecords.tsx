import { api } from '../../store';
import { Async } from '../../components/Async';
import { Timeline } from '../../components/Timeline';
import { ChartSummary } from '../../components/chart/ChartSummary';
import { MoreRecords } from '../../components/chart/MoreRecords';
import { useChartPages } from '../../components/chart/useChartPages';

/** All my records, from every hospital, in one place. */
export function MyRecords() {
  const pages = useChartPages((limit) => api()['patients.chart']({ limit }), []);
  const state = pages.state;
  return (
    <section aria-labelledby="records-title" data-testid="my-records-view">
      <h1 id="records-title">My records</h1>
      <Async state={state} label="your records">
        {(d) => d && (
          <>
            <p className="muted" data-testid="timeline-total">{d.total.toLocaleString('en')} records from {d.organizations.length} organizations.</p>
            <ChartSummary s={d.summary} />
            <h2>Timeline</h2>
            <Timeline resources={d.resources} />
            <MoreRecords shown={d.resources.length} total={d.total} pages={pages} />
          </>
        )}
      </Async>
    </section>
  );
}
