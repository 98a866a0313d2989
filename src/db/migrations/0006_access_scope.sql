ALTER TABLE "rac_profiles" ADD COLUMN "agency" text;--> statement-breakpoint
-- A RAC works for the agency of their orders: the one with the most orders, the latest on a tie.
UPDATE "rac_profiles" AS "profile" SET "agency" = "chosen"."agency"
FROM (
  SELECT DISTINCT ON ("rac_id") "rac_id", "agency"
  FROM "projects"
  GROUP BY "rac_id", "agency"
  ORDER BY "rac_id", count(*) DESC, max("updated_at") DESC
) AS "chosen"
WHERE "chosen"."rac_id" = "profile"."id";
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "queue_write" boolean DEFAULT false NOT NULL;
