-- Hard bounces used to add to "failed"; they now have their own counter (src/messages/lifecycle.ts).
-- Moves what past bounces added from one column to the other, in the row each one incremented.
UPDATE "usage_daily" u SET "failed" = u."failed" - b.n, "bounced" = u."bounced" + b.n
FROM (
  SELECT (e."at" AT TIME ZONE 'Europe/Paris')::date AS day, m."agency", m."rac_id", m."template_key", m."channel",
    (hashtext(m."id") & 15) AS shard, count(*)::int AS n
  FROM "history_events" e JOIN "messages" m ON m."id" = e."data"->>'messageId'
  WHERE e."type" = 'message.bounced'
  GROUP BY 1, 2, 3, 4, 5, 6
) b
WHERE u."day" = b.day AND u."agency" = b."agency" AND u."rac_id" = b."rac_id" AND u."template" = b."template_key"
  AND u."channel" = b."channel" AND u."shard" = b.shard;--> statement-breakpoint
-- Month and week totals are summed again from the days the first time a report needs them.
DELETE FROM "usage_rollups";--> statement-breakpoint
DELETE FROM "usage_rollup_buckets";
