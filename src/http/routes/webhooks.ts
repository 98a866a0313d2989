import type { FastifyPluginAsync } from 'fastify';
import twilio from 'twilio';
import type { Db } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { applyTwilioStatus } from '../../messages/callbacks.js';

export interface WebhookOptions {
  db: Db;
  now: () => Date;
  twilioAuthToken: string | undefined;
  publicBaseUrl: string;
}

/**
 * Delivery reports from Twilio. Not behind API keys: the request is authenticated by its
 * X-Twilio-Signature, computed over the public URL Twilio called and the posted fields.
 */
export function webhookRoutes(options: WebhookOptions): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    app.post('/webhooks/twilio/status', { schema: { hide: true } }, async (request, reply) => {
      const signature = request.headers['x-twilio-signature'];
      const params = (request.body ?? {}) as Record<string, string>;
      const url = new URL(request.url, options.publicBaseUrl).toString();
      if (
        !options.twilioAuthToken ||
        typeof signature !== 'string' ||
        !twilio.validateRequest(options.twilioAuthToken, signature, url, params)
      ) {
        throw new AppError('forbidden', 403, 'Invalid Twilio signature');
      }
      if (!params.MessageSid || !params.MessageStatus) {
        throw new AppError('invalid_input', 400, 'body: MessageSid and MessageStatus are required');
      }
      const result = await applyTwilioStatus(
        options.db,
        { sid: params.MessageSid, status: params.MessageStatus, errorCode: params.ErrorCode },
        options.now,
      );
      if (result === 'pending')
        request.log.info({ sid: params.MessageSid }, 'status report kept until its message is known');
      return reply.status(200).send({ result });
    });
  };
}
