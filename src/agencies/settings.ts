import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../db/client.js';
import { agencySettings } from '../db/schema.js';
import { DEFAULT_REMINDER_POLICY, type ReminderPolicy } from '../interventions/calendar.js';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM');
const mode = z.enum(['off', 'draft', 'send'], { error: 'expected off, draft or send' });

/**
 * What an agency decides for itself: when reminders go out and which milestone mails are
 * prepared as drafts (for the RAC's personal touch), sent directly, or left to the RAC.
 */
export const settingsSchema = z.strictObject({
  reminders: z
    .strictObject({
      noticeHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 14)
        .default(DEFAULT_REMINDER_POLICY.noticeHours),
      reminderTime: time.default(DEFAULT_REMINDER_POLICY.reminderTime),
      smsHours: z
        .strictObject({ start: time, end: time })
        .refine((h) => h.start < h.end, { message: 'start must be before end', path: ['end'] })
        .default({ ...DEFAULT_REMINDER_POLICY.smsHours }),
    })
    .prefault({}),
  automation: z
    .strictObject({
      accuseReception: mode.default('draft'),
      rleRecap: mode.default('draft'),
      cloture: mode.default('draft'),
      surveyReminderDays: z.number().int().min(1).max(90).default(7),
    })
    .prefault({}),
});
export type AgencySettings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: AgencySettings = settingsSchema.parse({});

export function reminderPolicy(settings: AgencySettings): ReminderPolicy {
  return { ...DEFAULT_REMINDER_POLICY, ...settings.reminders };
}

export function createAgencySettings({ db }: { db: Db }) {
  return {
    /** The agency's settings; `tx` when read inside a transaction (PGlite has one connection). */
    async get(agency: string, tx: DbOrTx = db): Promise<AgencySettings> {
      const [row] = await tx.select().from(agencySettings).where(eq(agencySettings.agency, agency));
      // Stored settings may predate a new field: parsing fills today's defaults in.
      return row ? settingsSchema.parse(row.settings) : DEFAULT_SETTINGS;
    },
    async put(agency: string, settings: AgencySettings): Promise<AgencySettings> {
      await db
        .insert(agencySettings)
        .values({ agency, settings })
        .onConflictDoUpdate({ target: agencySettings.agency, set: { settings, updatedAt: new Date() } });
      return settings;
    },
  };
}
export type AgencySettingsService = ReturnType<typeof createAgencySettings>;
