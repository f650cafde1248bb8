import { api } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';
import { Timeline } from '../../components/Timeline';
import { ChartSummary } from '../../components/chart/ChartSummary';

/** All my records, from every hospital, in one place. */
export function MyRecords() {
  const state = useLoad(() => api()['patients.chart']({}), []);
  return (
    <section aria-labelledby="records-title" data-testid="my-records-view">
      <h1 id="records-title">My records</h1>
      <Async state={state} label="your records">
        {(d) => (
          <>
            <p className="muted">{d.resources.length} records from {new Set(d.resources.map((r) => r.author.organization)).size} organizations.</p>
            <ChartSummary s={d.summary} />
            <h2>Timeline</h2>
            <Timeline resources={d.resources} />
          </>
        )}
      </Async>
    </section>
  );
}
