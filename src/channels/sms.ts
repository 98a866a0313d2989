import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import twilio from 'twilio';
import type BaseRequestClient from 'twilio/lib/base/RequestClient.js';
import { DeliveryError, type SmsSender } from './types.js';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from: string;
  statusCallback: string;
  /** Another API base (a proxy, or a local test double) instead of https://api.twilio.com. */
  apiBaseUrl?: string | undefined;
}

const TWILIO_API = 'https://api.twilio.com';

/** Twilio error codes that no retry will fix (invalid or unreachable number, blocked sender). */
const PERMANENT_CODES = new Set([21211, 21214, 21408, 21610, 21612, 21614, 21617, 21635]);

function classify(error: unknown): DeliveryError {
  const e = error as { status?: number; code?: number; message?: string };
  const reason = `Twilio ${e.status ?? 'error'}${e.code ? ` (${e.code})` : ''}: ${e.message ?? String(error)}`;
  const transient = e.status === undefined || e.status === 429 || e.status >= 500;
  return new DeliveryError(reason, !transient || PERMANENT_CODES.has(e.code ?? 0), { cause: error });
}

export function createTwilioSender(options: TwilioOptions): SmsSender {
  const base = options.apiBaseUrl?.replace(/\/$/, '');
  // The real client, with its requests sent to another base URL when one is configured.
  class RedirectingClient extends twilio.RequestClient {
    override request<T>(opts: BaseRequestClient.RequestOptions<T>) {
      const uri = base && opts.uri.startsWith(TWILIO_API) ? base + opts.uri.slice(TWILIO_API.length) : opts.uri;
      return super.request<T>({ ...opts, uri, timeout: 15_000 });
    }
  }
  const client = twilio(options.accountSid, options.authToken, { httpClient: new RedirectingClient() });
  return {
    async send(message) {
      try {
        const sent = await client.messages.create({
          to: message.to,
          from: options.from,
          body: message.body,
          statusCallback: options.statusCallback,
        });
        return { providerId: sent.sid };
      } catch (error) {
        throw classify(error);
      }
    },
    async close() {},
  };
}

/** Development transport: each SMS becomes a JSON file in the outbox. */
export function createOutboxSmsSender(dir: string, from: string): SmsSender {
  return {
    async send(message) {
      await mkdir(join(dir, 'sms'), { recursive: true });
      const file = join(dir, 'sms', `${message.id}.json`);
      await writeFile(file, `${JSON.stringify({ from, to: message.to, body: message.body }, null, 2)}\n`);
      return { providerId: `outbox:${message.id}` };
    },
    async close() {},
  };
}
