import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../db/client.js';
import { listSurveyAnswers, surveyCsv, surveyListQuery } from '../../surveys/list.js';
import { callerOf } from '../auth.js';

const wantsCsv = (format: string | undefined, accept: string | undefined) =>
  format ? format === 'csv' : /\btext\/csv\b/i.test(accept ?? '');

export function surveyRoutes({ db, now }: { db: Db; now: () => Date }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/surveys',
      {
        schema: {
          tags: ['stats'],
          summary: 'Satisfaction survey answers with their comments, newest change first',
          description:
            'Managers read their own agency, national keys any. Each order and contact answers once (the latest ' +
            'answer). CSV with `Accept: text/csv` or `format=csv`: ";" separated, UTF-8 with BOM.',
          querystring: surveyListQuery,
        },
      },
      async (request, reply) => {
        const list = await listSurveyAnswers(db, request.query, callerOf(request, ['manager', 'admin']), now());
        if (!wantsCsv(request.query.format, request.headers.accept)) return list;
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="jalon-satisfaction-${list.from}-${list.to}.csv"`)
          .send(surveyCsv(list));
      },
    );
  };
}
