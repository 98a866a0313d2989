import type { Db } from '../db/client.js';
import { invalid } from '../errors.js';
import { assertAgency } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import { racNames } from '../racs/names.js';
import { COUNTERS } from './aggregates.js';
import { type Dimension, PROJECT_DIMENSIONS, resolvePeriod, type UsageFilters, type UsageQuery } from './params.js';
import {
  type Figures,
  type Key,
  type MessageFigures,
  messageFigures,
  type ProjectFigures,
  projectFigures,
} from './query.js';
import { EMPTY_SURVEYS, type SurveyCounts, type SurveyFigures, surveyFigures, surveyShares } from './surveys.js';

/**
 * One line of the report: its key, the message figures, and the order figures where they apply.
 * Lines by RAC also name the RAC and the agency they work for, so a person can read them.
 */
export type UsageRow = Key & {
  racName?: string | null;
  racAgency?: string | null;
} & Omit<MessageFigures, 'activeSenders'> & {
    activeSenders: number | null;
  } & Partial<Record<keyof ProjectFigures | 'ackShare' | 'rlpMetShare' | 'rleMetShare', number | null>> &
  Partial<SurveyFigures>;

export interface UsageReport {
  from: string;
  to: string;
  groupBy: Dimension[];
  agency: string | null;
  rac: string | null;
  /** The name of the RAC the report is narrowed to, when it is. */
  racName: string | null;
  template: string | null;
  channel: string | null;
  rows: UsageRow[];
  totals: UsageRow;
}

const EMPTY_MESSAGES: MessageFigures = {
  drafted: 0,
  scheduled: 0,
  sent: 0,
  delivered: 0,
  failed: 0,
  bounced: 0,
  cancelled: 0,
  smsSegments: 0,
  activeSenders: 0,
};
const EMPTY_PROJECTS: ProjectFigures = {
  projects: 0,
  ackSent: 0,
  ackMedianDays: null,
  rlpMet: 0,
  rlpLate: 0,
  rlpPending: 0,
  rleMet: 0,
  rleLate: 0,
  rlePending: 0,
};

const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

function withShares(figures: ProjectFigures) {
  return {
    ...figures,
    ackShare: share(figures.ackSent, figures.projects),
    rlpMetShare: share(figures.rlpMet, figures.rlpMet + figures.rlpLate),
    rleMetShare: share(figures.rleMet, figures.rleMet + figures.rleLate),
  };
}

/** A manager reads their agency; a national key (admin or manager with `*`) reads any or all. */
export function scopeAgency(caller: Caller, asked: string | undefined): string | undefined {
  if (caller.agency === '*') return asked;
  if (asked) assertAgency(caller, asked);
  return caller.agency;
}

const keyOf = (dims: Dimension[], row: Key) => dims.map((name) => row[name] ?? '').join('\u0000');

/** Splits each line by status: a line per counter, carrying that counter only. */
function splitByStatus(rows: UsageRow[]): UsageRow[] {
  return rows.flatMap((row) =>
    COUNTERS.filter((status) => row[status] > 0).map((status) => ({
      ...row,
      ...Object.fromEntries(COUNTERS.map((c) => [c, c === status ? row[c] : 0])),
      smsSegments: status === 'sent' ? row.smsSegments : 0,
      activeSenders: null,
      status,
    })),
  );
}

function merge(dims: Dimension[], messages: (Key & MessageFigures)[], projects?: (Key & ProjectFigures)[]): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  for (const row of messages) rows.set(keyOf(dims, row), projects ? { ...withShares(EMPTY_PROJECTS), ...row } : row);
  for (const row of projects ?? []) {
    const key = keyOf(dims, row);
    rows.set(key, { ...EMPTY_MESSAGES, ...rows.get(key), ...withShares(row) });
  }
  return [...rows.values()].sort((a, b) => (keyOf(dims, a) < keyOf(dims, b) ? -1 : 1));
}

/** Adds the survey figures to the rows (a row of surveys only when no message or order made one). */
function withSurveys(dims: Dimension[], rows: UsageRow[], surveys: Figures<SurveyCounts>['rows']): UsageRow[] {
  const byKey = new Map(rows.map((row) => [keyOf(dims, row), { ...row, ...surveyShares(EMPTY_SURVEYS) }]));
  for (const row of surveys) {
    const key = keyOf(dims, row);
    const { surveysSent: _s, surveysAnswered: _a, ratingSum: _r, satisfied: _c, ...dimensionsOf } = row;
    byKey.set(key, { ...EMPTY_MESSAGES, ...dimensionsOf, ...byKey.get(key), ...surveyShares(row) });
  }
  return [...byKey.values()].sort((a, b) => (keyOf(dims, a) < keyOf(dims, b) ? -1 : 1));
}

export function createStats({ db, now }: { db: Db; now: () => Date }) {
  return {
    async usage(query: UsageQuery, caller: Caller): Promise<UsageReport> {
      const agency = scopeAgency(caller, query.agency);
      const period = resolvePeriod(query, now());
      if (typeof period === 'string') throw invalid([{ path: 'querystring.from', message: period }]);
      const dims = query.groupBy.filter((name) => name !== 'status');
      const filters: UsageFilters = { ...query, ...period, agency, groupBy: dims };
      // Order figures cannot be narrowed to a template or a channel, nor split by one or by status.
      const projectTotals = !query.template && !query.channel;
      const withProjects = projectTotals && query.groupBy.every((name) => PROJECT_DIMENSIONS.includes(name));
      const [messages, projects, surveys] = await Promise.all([
        messageFigures(db, filters),
        projectTotals ? projectFigures(db, { ...filters, groupBy: withProjects ? dims : [] }) : undefined,
        projectTotals ? surveyFigures(db, { ...filters, groupBy: withProjects ? dims : [] }) : undefined,
      ]);
      const total = (withOrders: boolean) =>
        merge(
          [],
          [messages.total ?? EMPTY_MESSAGES],
          withOrders && projects ? [projects.total ?? EMPTY_PROJECTS] : undefined,
        )[0] as UsageRow;
      const surveyTotals = surveyShares(surveys?.total ?? EMPTY_SURVEYS);
      const merged =
        dims.length > 0 ? merge(dims, messages.rows, withProjects ? projects?.rows : undefined) : [total(withProjects)];
      const rows =
        !withProjects || !surveys
          ? merged
          : dims.length > 0
            ? withSurveys(dims, merged, surveys.rows)
            : merged.map((row) => ({ ...row, ...surveyTotals }));
      const names = await racNames(db, [
        ...(query.rac ? [query.rac] : []),
        ...(dims.includes('rac') ? rows.flatMap((row) => (row.rac ? [row.rac] : [])) : []),
      ]);
      const named = (row: UsageRow) => {
        const name = names.get(row.rac ?? '');
        return { racName: name?.displayName ?? null, racAgency: name?.agency ?? null };
      };
      return {
        from: period.from,
        to: period.to,
        groupBy: query.groupBy,
        agency: agency ?? null,
        rac: query.rac ?? null,
        racName: query.rac ? (names.get(query.rac)?.displayName ?? null) : null,
        template: query.template ?? null,
        channel: query.channel ?? null,
        // The key first, in the order asked, with the RAC's name after its id, then the figures: easier to read.
        rows: (query.groupBy.includes('status') ? splitByStatus(rows) : rows).map((row) => ({
          ...Object.fromEntries(
            query.groupBy.flatMap((name) =>
              name === 'rac' ? Object.entries({ rac: row.rac, ...named(row) }) : [[name, row[name]]],
            ),
          ),
          ...row,
        })),
        totals: surveys ? { ...total(projectTotals), ...surveyTotals } : total(projectTotals),
      };
    },
  };
}

export type Stats = ReturnType<typeof createStats>;
