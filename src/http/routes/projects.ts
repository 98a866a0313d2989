import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invalid } from '../../errors.js';
import { ref } from '../../projects/fields.js';
import { parseSitesCsv, SITE_CSV_COLUMNS } from '../../projects/csv.js';
import { milestonesPatchSchema, projectInputSchema } from '../../projects/schema.js';
import type { Projects } from '../../projects/service.js';
import { contactPatchSchema, type ProjectEdits, sitePatchSchema } from '../../projects/edits.js';
import type { ProjectListing } from '../../projects/list.js';
import { projectListQuerySchema, projectListSchema } from '../../projects/list-schema.js';
import { withDeadlines } from '../../projects/deadlines.js';
import { callerOf } from '../auth.js';

const params = z.object({ ref });
const tags = ['projects'];

export interface CsvImportLimits {
  /** Largest file accepted (413 above). */
  maxBytes: number;
  /** Most site lines in one file (400 above). */
  maxRows: number;
}

/** `If-Match: "3"` (or 3): the order version the caller read; a stale one answers 412. */
const ifMatch = z.object({ 'if-match': z.string().max(40).optional() }).loose();
function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw invalid([{ path: 'headers.if-match', message: 'expected the order version, e.g. "3"' }]);
  return Number(match[1]);
}
const EDITORS = ['integration', 'rac', 'admin'] as const;

export function projectRoutes(
  projects: Projects,
  edits: ProjectEdits,
  list: ProjectListing,
  now: () => Date,
  csv: CsvImportLimits,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/projects',
      {
        schema: {
          tags,
          summary: 'The orders the caller may see (a RAC its own, a manager its agency), filtered, page by page',
          description:
            'Pages follow `nextCursor` (null on the last page). `rac=me` lists the orders of the RAC the caller acts as; ' +
            "a filter outside the caller's scope (another agency, another RAC for a RAC) is refused with 403.",
          querystring: projectListQuerySchema,
          response: { 200: projectListSchema },
        },
      },
      async (request) => list(request.query, callerOf(request)),
    );

    app.put(
      '/projects/:ref',
      {
        schema: {
          tags,
          summary: 'Create or replace an order (idempotent: an identical replay changes nothing)',
          params,
          body: projectInputSchema,
        },
      },
      async (request, reply) => {
        const caller = callerOf(request, ['integration', 'admin']);
        const { created, project } = await projects.put(request.params.ref, request.body, caller);
        return reply.status(created ? 201 : 200).send(withDeadlines(project, now()));
      },
    );

    app.get(
      '/projects/:ref',
      { schema: { tags, summary: 'The order as stored, with its deadlines', params } },
      async (request) => withDeadlines(await projects.get(request.params.ref, callerOf(request)), now()),
    );

    app.patch(
      '/projects/:ref/contacts/:id',
      {
        schema: {
          tags,
          summary: 'Correct one contact of an order (an address that bounced): the fields given; null clears one',
          description:
            "With `If-Match` (the order `version` read), a change made meanwhile answers 412. The order tool's next " +
            'PUT of the order replaces the contact as it sends it.',
          params: z.object({ ref, id: ref }),
          headers: ifMatch,
          body: contactPatchSchema,
        },
      },
      async (request) =>
        withDeadlines(
          await edits.patchContact(
            request.params.ref,
            request.params.id,
            request.body,
            callerOf(request, EDITORS),
            expectedVersion(request.headers['if-match']),
          ),
          now(),
        ),
    );

    app.patch(
      '/projects/:ref/sites/:siteRef',
      {
        schema: {
          tags,
          summary: 'Correct one site of an order: the fields given; null clears its contact',
          description: 'With `If-Match` (the order `version` read), a change made meanwhile answers 412.',
          params: z.object({ ref, siteRef: ref }),
          headers: ifMatch,
          body: sitePatchSchema,
        },
      },
      async (request) =>
        withDeadlines(
          await edits.patchSite(
            request.params.ref,
            request.params.siteRef,
            request.body,
            callerOf(request, EDITORS),
            expectedVersion(request.headers['if-match']),
          ),
          now(),
        ),
    );

    app.patch(
      '/projects/:ref/milestones',
      {
        schema: {
          tags,
          summary: 'Set planned/actual milestone dates (null clears a date)',
          params,
          body: milestonesPatchSchema,
        },
      },
      async (request) =>
        withDeadlines(
          await projects.patchMilestones(
            request.params.ref,
            request.body,
            callerOf(request, ['integration', 'rac', 'admin']),
          ),
          now(),
        ),
    );

    app.post(
      '/projects/:ref/sites/import',
      {
        schema: {
          tags,
          summary: 'Replace the site list from a CSV export',
          description: `Send the file as text/csv (";" or ",", UTF-8 with or without BOM, or Windows-1252 as French Excel writes it: detected, and said in the answer's encoding). The contact column takes a contact's id, email or name. Columns (any case or accents): ${Object.entries(
            SITE_CSV_COLUMNS,
          )
            .map(([column, aliases]) => `${column} (${aliases.join(', ')})`)
            .join('; ')}. Required: ref, name, address, postalCode, city. A bad line rejects the whole file. At most ${
            csv.maxRows
          } site lines and ${csv.maxBytes} bytes.`,
          params,
          body: z.string().describe('the CSV file'),
        },
        bodyLimit: csv.maxBytes,
      },
      async (request) => {
        const caller = callerOf(request, ['integration', 'rac', 'admin']);
        const current = await projects.get(request.params.ref, caller);
        const parsed = await parseSitesCsv(request.body, current.contacts, {
          maxRows: csv.maxRows,
        });
        if (!parsed.ok) {
          const error = invalid(
            parsed.issues.map((issue) => ({
              path: `line ${issue.line}.${issue.path}`,
              message: issue.message,
              line: issue.line,
            })),
            'invalid_csv',
          );
          throw error;
        }
        const project = await projects.replaceSiteList(request.params.ref, parsed.sites, caller);
        return {
          imported: parsed.sites.length,
          // Said, so that a file read in the wrong encoding would be noticed (« SiÃ¨ge »).
          encoding: request.textEncoding ?? 'utf-8',
          ignoredColumns: parsed.ignoredColumns,
          project,
        };
      },
    );
  };
}
