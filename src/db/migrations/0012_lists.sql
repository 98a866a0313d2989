DROP INDEX "projects_agency_idx";--> statement-breakpoint
DROP INDEX "projects_rac_idx";--> statement-breakpoint
DROP INDEX "projects_updated_idx";--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "search_text" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_drafts_idx" ON "messages" USING btree ("updated_at","id") WHERE "messages"."status" = 'draft';--> statement-breakpoint
CREATE INDEX "messages_problems_idx" ON "messages" USING btree ("updated_at","id") WHERE "messages"."status" in ('failed', 'bounced');--> statement-breakpoint
CREATE INDEX "messages_updated_idx" ON "messages" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "projects_agency_idx" ON "projects" USING btree ("agency","updated_at","ref");--> statement-breakpoint
CREATE INDEX "projects_rac_idx" ON "projects" USING btree ("rac_id","updated_at","ref");--> statement-breakpoint
CREATE INDEX "projects_updated_idx" ON "projects" USING btree ("updated_at","ref");--> statement-breakpoint
-- Hand-written: the search text of the orders stored before it existed, folded as
-- src/projects/search-text.ts folds it (lower case, accents removed).
UPDATE "projects" p SET "search_text" = replace(replace(translate(lower(
  concat_ws(' | ', p.order_number, p.tracking_number, p.client_company, p.label,
    (SELECT string_agg(DISTINCT s.city, ' | ') FROM "sites" s WHERE s.project_ref = p.ref))),
  'àáâãäåāçćčèéêëēėęìíîïīįñńòóôõöōùúûüūÿýžźż', 'aaaaaaaccceeeeeeeiiiiiinnoooooouuuuuyyzzz'), 'œ', 'oe'), 'æ', 'ae');
