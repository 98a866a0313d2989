import { and, asc, desc, eq, gt, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { historyEvents, messages, projects } from '../db/schema.js';
import { notFound } from '../errors.js';
import { assertProjectScope } from '../keys/scope.js';
import type { Caller } from '../keys/service.js';
import {
  type EventRow,
  eventView,
  type EventView,
  periodBounds,
  type TimelineQuery,
  typeMatchers,
} from './timeline.js';

/**
 * The contact timeline of a project: every event in the order it was recorded (the id, which
 * never changes, so pages are stable while new events arrive), with the message each one is
 * about, as it is stored now: its status, its recipients and, on request, its exact content.
 */
export function createHistory({ db }: { db: Db }) {
  const messageId = sql`${historyEvents.data}->>'messageId'`;

  function filters(ref: string, query: TimelineQuery): SQL | undefined {
    const { exact, prefixes } = typeMatchers(query.type);
    const period = periodBounds(query.from, query.to);
    const typeMatch =
      exact.length + prefixes.length > 0
        ? or(
            exact.length > 0 ? inArray(historyEvents.type, exact) : undefined,
            // left() rather than LIKE: event types contain "_", a LIKE wildcard.
            ...prefixes.map((prefix) => sql`left(${historyEvents.type}, ${prefix.length}) = ${prefix}`),
          )
        : undefined;
    const cursor = query.cursor ? Number(query.cursor) : undefined;
    return and(
      eq(historyEvents.projectRef, ref),
      typeMatch,
      query.channel
        ? sql`coalesce(${messages.channel}, ${historyEvents.data}->>'channel') = ${query.channel}`
        : undefined,
      query.template
        ? sql`coalesce(${messages.templateKey}, ${historyEvents.data}->>'template') = ${query.template}`
        : undefined,
      period.from ? gte(historyEvents.at, period.from) : undefined,
      period.to ? lt(historyEvents.at, period.to) : undefined,
      cursor === undefined
        ? undefined
        : query.order === 'asc'
          ? gt(historyEvents.id, cursor)
          : lt(historyEvents.id, cursor),
    );
  }

  return {
    async timeline(
      ref: string,
      query: TimelineQuery,
      caller: Caller,
    ): Promise<{ projectRef: string; events: EventView[]; nextCursor: string | null }> {
      const [project] = await db
        .select({ agency: projects.agency, racId: projects.racId })
        .from(projects)
        .where(eq(projects.ref, ref));
      if (!project) throw notFound(`Project ${ref}`);
      assertProjectScope(caller, { agency: project.agency, rac: { id: project.racId } });
      const withContent = query.include === 'content';
      const rows = await db
        .select({
          id: historyEvents.id,
          type: historyEvents.type,
          at: historyEvents.at,
          actor: historyEvents.actor,
          data: historyEvents.data,
          message: {
            id: messages.id,
            templateKey: messages.templateKey,
            channel: messages.channel,
            status: messages.status,
            to: messages.to,
            cc: messages.cc,
            subject: messages.subject,
            purgedAt: messages.purgedAt,
            ...(withContent
              ? {
                  html: messages.html,
                  text: messages.text,
                  smsBody: messages.smsBody,
                  smsEncoding: messages.smsEncoding,
                  smsSegments: messages.smsSegments,
                  calendar: messages.calendar,
                }
              : {}),
          },
        })
        .from(historyEvents)
        .leftJoin(messages, eq(messages.id, messageId))
        .where(filters(ref, query))
        .orderBy(query.order === 'asc' ? asc(historyEvents.id) : desc(historyEvents.id))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      return {
        projectRef: ref,
        events: page.map((row) => eventView(row as EventRow, withContent)),
        nextCursor: rows.length > query.limit ? String(page.at(-1)?.id) : null,
      };
    },
  };
}

export type History = ReturnType<typeof createHistory>;
