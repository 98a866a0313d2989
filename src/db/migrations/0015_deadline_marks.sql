ALTER TABLE "projects" ADD COLUMN "deadline_next" date;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "deadline_missed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "ended_on" date;--> statement-breakpoint
-- Hand-written: the marks of the orders stored before them, by the rule of src/projects/deadlines.ts
-- (the same statement as MARKS_BACKFILL in src/projects/deadline-sql.ts).
UPDATE "projects" p SET "deadline_next" = d.next, "deadline_missed" = d.missed, "ended_on" = d.ended
FROM (
  SELECT p.ref,
    least(CASE WHEN ms.contact_actual IS NULL THEN ms.contact_planned END,
      CASE WHEN ms.rlp_actual IS NULL THEN p.received_at + 5 END,
      CASE WHEN ms.rle_actual IS NULL THEN p.received_at + 15 END) AS next,
    coalesce(ms.contact_actual > ms.contact_planned, false) OR coalesce(ms.rlp_actual > p.received_at + 5, false)
      OR coalesce(ms.rle_actual > p.received_at + 15, false) AS missed,
    ms.ended
  FROM "projects" p CROSS JOIN LATERAL (
    SELECT max(m.planned) FILTER (WHERE m.code = 'clientContact') AS contact_planned,
      max(m.actual) FILTER (WHERE m.code = 'clientContact') AS contact_actual,
      coalesce(max(m.actual) FILTER (WHERE m.code = 'rlp'), max(m.actual) FILTER (WHERE m.code = 'rlpValidated')) AS rlp_actual,
      max(m.actual) FILTER (WHERE m.code = 'rle') AS rle_actual,
      max(m.actual) FILTER (WHERE m.code = 'deploymentEnd') AS ended
    FROM "milestones" m WHERE m.project_ref = p.ref
  ) ms
) d
WHERE d.ref = p.ref;
--> statement-breakpoint
-- Hand-written: a trigram index, so that a search of the order list (search_text like '%…%')
-- reads the index rather than every order. pg_trgm is a trusted extension: the database's owner
-- may create it. The embedded database loads it (src/db/client.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "projects_search_idx" ON "projects" USING gin ("search_text" gin_trgm_ops);
