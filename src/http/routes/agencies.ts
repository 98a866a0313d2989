import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AgencySettingsService, settingsSchema } from '../../agencies/settings.js';
import { assertAgency } from '../../keys/scope.js';
import { callerOf } from '../auth.js';

const params = z.object({ agency: z.string().regex(/^[A-Z0-9]{2,10}$/, 'an agency code in capitals') });
const tags = ['agencies'];

export function agencyRoutes(settings: AgencySettingsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/agencies/:agency/settings',
      { schema: { tags, summary: 'Reminder timing and milestone automation of an agency', params } },
      async (request) => {
        assertAgency(callerOf(request), request.params.agency);
        return settings.get(request.params.agency);
      },
    );
    app.put(
      '/agencies/:agency/settings',
      { schema: { tags, summary: 'Set reminder timing and milestone automation', params, body: settingsSchema } },
      async (request) => {
        assertAgency(callerOf(request, ['admin']), request.params.agency);
        return settings.put(request.params.agency, request.body);
      },
    );
  };
}
