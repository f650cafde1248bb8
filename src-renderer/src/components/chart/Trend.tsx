import { Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartSummary } from '../../../../src-shared/api';

type TrendData = ChartSummary['trends'][number];

/** A small chart of one measurement over time, its reference range shaded. */
export function Trend({ t }: { t: TrendData }) {
  const last = t.points.at(-1)!;
  const unit = t.unit ? ` ${t.unit}` : '';
  const label = `${t.name}: ${t.points.length} values from ${t.points[0].date} to ${last.date}, latest ${last.value}${unit}${t.range ? `, reference ${t.range.text}` : ''}`;
  return (
    <figure className="trend card" data-testid="trend" data-name={t.name}>
      <figcaption><strong>{t.name}</strong> <span className="muted">latest {last.value}{unit}</span></figcaption>
      <div className="chart" role="img" aria-label={label}>
        <ResponsiveContainer width="100%" height={90}>
          <LineChart data={t.points} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
            <XAxis dataKey="date" hide />
            <YAxis hide domain={['auto', 'auto']} />
            {t.range && (t.range.low !== undefined || t.range.high !== undefined) && (
              <ReferenceArea y1={t.range.low} y2={t.range.high} fill="var(--good)" fillOpacity={0.08} ifOverflow="extendDomain" />
            )}
            <Tooltip formatter={(v) => [`${v}${unit}`, t.name]} />
            <Line type="monotone" dataKey="value" stroke="var(--accent)" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
