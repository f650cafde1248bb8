import { useState } from 'react';
import type { ApiOutput } from '../../../../src-shared/api';
import { useLoad, type Loaded } from '../../useLoad';

/** How many timeline cards a chart shows first (the rest a click away): the first screen stays quick on a chart of thousands. */
export const CHART_PAGE = 100;

type Chart = ApiOutput<'patients.chart'>;

export interface ChartPages {
  state: Loaded<Chart | null>;
  /** Shows the next page of older records. */
  more(): void;
  /** Shows every record. */
  all(): void;
}

/**
 * A chart read a page at a time: the summary and the newest CHART_PAGE cards first; "more" and
 * "all" widen what is read. Reloads (after a signed action or a new block) keep what was shown.
 */
export function useChartPages(load: (limit: number | undefined) => Promise<Chart | null>, deps: unknown[]): ChartPages {
  // What was widened belongs to the chart it was widened on: another patient opens at the first page.
  const key = JSON.stringify(deps);
  const [wide, setWide] = useState<{ key: string; limit: number | undefined }>({ key, limit: CHART_PAGE });
  const limit = wide.key === key ? wide.limit : CHART_PAGE;
  const state = useLoad(() => load(limit), [...deps, limit]);
  return {
    state,
    more: () => setWide({ key, limit: limit === undefined ? undefined : limit + CHART_PAGE }),
    all: () => setWide({ key, limit: undefined }),
  };
}
