import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const MONTHS = new Intl.DateTimeFormat('fr-FR', { month: 'short', year: '2-digit', timeZone: 'UTC' });

/** Messages sent by month, as bars (uPlot: a small canvas chart, bundled with the console). */
export function MonthChart({ months, sent, label }: { months: string[]; sent: number[]; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = ref.current;
    if (!node || months.length === 0) return;
    const xs = months.map((_m, i) => i);
    const bars = uPlot.paths.bars!({ size: [0.6, 60] });
    const chart = new uPlot(
      {
        width: Math.max(320, Math.min(900, node.clientWidth || 640)),
        height: 240,
        scales: { x: { time: false, range: [-0.5, months.length - 0.5] } },
        axes: [
          {
            values: (_u, ticks) =>
              ticks.map((t) =>
                Number.isInteger(t) && months[t] ? MONTHS.format(new Date(`${months[t]}-01T00:00:00Z`)) : '',
              ),
          },
          { values: (_u, ticks) => ticks.map((t) => new Intl.NumberFormat('fr-FR').format(t)) },
        ],
        legend: { show: false },
        cursor: { show: false },
        series: [{}, { label, fill: '#0b5394', stroke: '#0b5394', paths: bars, points: { show: false } }],
      },
      [xs, sent],
      node,
    );
    return () => chart.destroy();
  }, [months, sent, label]);
  return (
    <div
      ref={ref}
      className="chart"
      role="img"
      aria-label={`${label} : ${months.map((m, i) => `${m} ${sent[i]}`).join(', ')}`}
    />
  );
}
