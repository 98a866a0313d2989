import { useMemo, useState } from 'react';
import { get, query } from '../api.js';
import { formatNumber, formatPercent, parisToday } from '../format.js';
import { useMe } from '../session.js';
import type { UsageReport, UsageRow } from '../types.js';
import { Failure, Loading, useLoad, useTitle } from '../ui.js';
import { MonthChart } from '../components/MonthChart.js';

type Column = { key: keyof UsageRow; label: string; percent?: boolean };
const COLUMNS: Column[] = [
  { key: 'racName', label: 'RAC' },
  { key: 'projects', label: 'Commandes reçues' },
  { key: 'sent', label: 'Messages envoyés' },
  { key: 'drafted', label: 'Brouillons préparés' },
  { key: 'ackShare', label: 'Accusés de réception', percent: true },
  { key: 'ackMedianDays', label: 'Délai médian (jours)' },
  { key: 'rlpMetShare', label: 'RLP tenues', percent: true },
  { key: 'rleMetShare', label: 'RLE tenues', percent: true },
  { key: 'failed', label: 'Échecs' },
  { key: 'bounced', label: 'Rejetés' },
  { key: 'smsSegments', label: 'Segments SMS' },
  { key: 'surveyResponseRate', label: 'Bilans répondus', percent: true },
  { key: 'surveyCsat', label: 'Satisfaits (4–5)', percent: true },
];

const yearAgo = () => {
  const today = parisToday();
  return `${Number(today.slice(0, 4)) - 1}${today.slice(4, 8)}01`;
};

function Figure({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div className="figure">
      <span className="figure-value">{value}</span>
      <span className="figure-label">{label}</span>
      {detail ? <span className="muted small">{detail}</span> : null}
    </div>
  );
}

/** The manager's dashboard: adoption, accusés de réception, deadlines, surveys, messages by month, per RAC. */
export function Dashboard() {
  const me = useMe();
  useTitle('Tableau de bord');
  const [from, setFrom] = useState(yearAgo);
  const [to, setTo] = useState(parisToday);
  const [agency, setAgency] = useState(me.agency === '*' ? '' : me.agency);
  const [sort, setSort] = useState<{ key: keyof UsageRow; down: boolean }>({ key: 'sent', down: true });
  const params = { from, to, agency: agency || undefined };
  const byMonth = useLoad(
    () => get<UsageReport>(`/v1/stats/usage${query({ ...params, groupBy: 'month' })}`),
    [from, to, agency],
  );
  const byRac = useLoad(
    () => get<UsageReport>(`/v1/stats/usage${query({ ...params, groupBy: 'rac' })}`),
    [from, to, agency],
  );
  const rows = useMemo(() => {
    const list = [...(byRac.data?.rows ?? [])];
    // A RAC whose name nothing in Jalon knows any more sorts by their id.
    const value = (row: UsageRow) => (sort.key === 'racName' ? (row.racName ?? row.rac) : row[sort.key]) ?? -Infinity;
    list.sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const order =
        typeof x === 'string' || typeof y === 'string'
          ? String(x).localeCompare(String(y), 'fr')
          : Number(x) - Number(y);
      return sort.down ? -order : order;
    });
    return list;
  }, [byRac.data, sort]);
  const months = useMemo(() => (byMonth.data?.rows ?? []).map((r) => r.month ?? ''), [byMonth.data]);
  const sent = useMemo(() => (byMonth.data?.rows ?? []).map((r) => r.sent), [byMonth.data]);
  const totals = byRac.data?.totals;
  const racs = byRac.data?.rows.length ?? 0;
  const active = byRac.data?.rows.filter((r) => (r.activeSenders ?? 0) > 0 || r.sent > 0).length ?? 0;
  return (
    <>
      <h1>Tableau de bord</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Période">
        <label>
          Du
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          au
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        {me.agency === '*' ? (
          <label>
            Agence
            <input
              value={agency}
              onChange={(e) => setAgency(e.target.value.toUpperCase())}
              placeholder="toutes"
              size={8}
            />
          </label>
        ) : null}
        <a
          className="button secondary"
          href={`/v1/stats/usage${query({ ...params, groupBy: 'month,rac', format: 'csv' })}`}
          download
        >
          Télécharger (CSV)
        </a>
      </form>
      {byRac.error ? <Failure error={byRac.error} /> : null}
      {!totals ? (
        <Loading />
      ) : (
        <>
          <div className="figures">
            <Figure
              label="RAC actifs"
              value={`${formatNumber(active)} sur ${formatNumber(racs)}`}
              detail="ont envoyé au moins un message"
            />
            <Figure
              label="Accusés de réception envoyés"
              value={formatPercent(totals.ackShare)}
              detail={`délai médian ${totals.ackMedianDays === null || totals.ackMedianDays === undefined ? '—' : `${formatNumber(totals.ackMedianDays)} j`}`}
            />
            <Figure
              label="RLP tenues (5 jours)"
              value={formatPercent(totals.rlpMetShare)}
              detail={`${formatNumber(totals.rlpLate)} en retard`}
            />
            <Figure
              label="RLE tenues (15 jours)"
              value={formatPercent(totals.rleMetShare)}
              detail={`${formatNumber(totals.rleLate)} en retard`}
            />
            <Figure
              label="Messages envoyés"
              value={formatNumber(totals.sent)}
              detail={`${formatNumber(totals.smsSegments)} segments SMS`}
            />
            <Figure
              label="Bilans de satisfaction répondus"
              value={formatPercent(totals.surveyResponseRate)}
              detail={`${formatNumber(totals.surveysAnswered ?? 0)} sur ${formatNumber(totals.surveysSent ?? 0)} · note moyenne ${
                totals.surveyAverageRating === null || totals.surveyAverageRating === undefined
                  ? '—'
                  : `${formatNumber(totals.surveyAverageRating)}/5`
              } · ${formatPercent(totals.surveyCsat)} satisfaits`}
            />
          </div>
          <section aria-labelledby="chart-title">
            <h2 id="chart-title">Messages envoyés par mois</h2>
            <MonthChart months={months} sent={sent} label="Messages envoyés" />
          </section>
          <section aria-labelledby="racs-title">
            <h2 id="racs-title">Par RAC</h2>
            <div className="table-wrap">
              <table data-testid="per-rac">
                <thead>
                  <tr>
                    {COLUMNS.map((c) => (
                      <th
                        key={c.key}
                        scope="col"
                        aria-sort={sort.key === c.key ? (sort.down ? 'descending' : 'ascending') : 'none'}
                      >
                        <button
                          type="button"
                          className="sort"
                          onClick={() => setSort({ key: c.key, down: sort.key === c.key ? !sort.down : true })}
                        >
                          {c.label}
                        </button>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.rac ?? '—'}>
                      {COLUMNS.map((c) => {
                        const v = row[c.key];
                        if (c.key === 'racName') {
                          return (
                            <td key={c.key}>
                              {row.racName ?? row.rac}
                              {row.racName ? <div className="muted small">{row.rac}</div> : null}
                            </td>
                          );
                        }
                        return (
                          <td key={c.key}>
                            {typeof v === 'string' ? v : c.percent ? formatPercent(v) : formatNumber(v)}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </>
  );
}
