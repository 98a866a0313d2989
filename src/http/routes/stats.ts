import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { usageCsv } from '../../stats/csv.js';
import { usageQuerySchema } from '../../stats/params.js';
import { usageFileName } from '../../stats/title.js';
import type { Stats } from '../../stats/service.js';
import { callerOf } from '../auth.js';

const wantsCsv = (format: string | undefined, accept: string | undefined) =>
  format ? format === 'csv' : /\btext\/csv\b/i.test(accept ?? '');

export function statsRoutes(stats: Stats): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/stats/usage',
      {
        schema: {
          tags: ['stats'],
          summary: 'Usage and deadline figures by month, week, agency, RAC, template, channel or status',
          description:
            'Managers read their own agency, national keys any. Message figures count events on the day they happened ' +
            '(Europe/Paris); order figures (deadlines, accusé de réception) count orders received in the period. ' +
            'Rows by RAC carry `racName` and `racAgency`. Shares are 0..1. ' +
            'CSV with `Accept: text/csv` or `format=csv`: ";" separated, UTF-8 with BOM, decimal comma, a first line ' +
            'saying the period and the scope, shares as percentages with one decimal, RACs by name and id.',
          querystring: usageQuerySchema,
        },
      },
      async (request, reply) => {
        const report = await stats.usage(request.query, callerOf(request, ['manager', 'admin']));
        if (!wantsCsv(request.query.format, request.headers.accept)) return report;
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${usageFileName(report)}"`)
          .send(usageCsv(report));
      },
    );
  };
}
