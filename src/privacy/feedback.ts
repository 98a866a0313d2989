import { sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.js';
import { ERASED } from './scrub.js';

/**
 * What came back from the client holds personal data too: a survey comment is the client's
 * own words, a survey link is tied to the person, and a returned mail quotes the address and
 * the remote server's words about it. Ratings, verdicts and statuses stay, so figures do.
 */

// Per recipient of a returned mail: the verdict and status stay, the address and the text go.
const anonymousRecipients = sql`(select coalesce(jsonb_agg(r || jsonb_build_object('recipient', ${ERASED}::text,
  'diagnostic', null)), '[]'::jsonb) from jsonb_array_elements(recipients) r)`;

const reportsOf = (ref: string) => sql`message_id in (select id from messages where project_ref = ${ref})`;

/** One contact's answers, links and returned mail in one order, on an erasure request. */
export async function eraseContactFeedback(tx: Tx, ref: string, contactId: string): Promise<void> {
  await tx.execute(sql`update surveys set comment = null
    where project_ref = ${ref} and contact_id = ${contactId} and comment is not null`);
  await tx.execute(sql`update history_events set data = data - 'comment'
    where project_ref = ${ref} and type = 'survey.answered' and data->>'contactId' = ${contactId}`);
  await tx.execute(sql`delete from survey_links where project_ref = ${ref} and contact_id = ${contactId}`);
  // A returned mail is about a message, which may have had several recipients: the whole
  // report goes anonymous, erring on the side of erasing a little too much.
  await tx.execute(
    sql`update bounce_reports set raw = null, recipients = ${anonymousRecipients} where ${reportsOf(ref)}`,
  );
}

/** Everything of one order past its retention period. */
export async function purgeFeedback(tx: Tx, ref: string): Promise<void> {
  await tx.execute(sql`update surveys set comment = null where project_ref = ${ref} and comment is not null`);
  await tx.execute(sql`update history_events set data = data - 'comment' - 'contactName'
    where project_ref = ${ref} and type = 'survey.answered'`);
  await tx.execute(sql`delete from survey_links where project_ref = ${ref}`);
  await tx.execute(
    sql`update bounce_reports set raw = null, recipients = ${anonymousRecipients} where ${reportsOf(ref)}`,
  );
}

/** Returned mail that could not be tied to any message is kept for as long as orders are. */
export async function purgeUnmatchedReports(db: DbOrTx, cutoff: Date): Promise<number> {
  const result = await db.execute(sql`delete from bounce_reports
    where message_id is null and received_at < ${cutoff.toISOString()}::timestamptz returning id`);
  return (result as { rows: unknown[] }).rows.length;
}
