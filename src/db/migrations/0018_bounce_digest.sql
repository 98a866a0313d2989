ALTER TABLE "bounce_reports" ADD COLUMN "digest" text;--> statement-breakpoint
CREATE UNIQUE INDEX "bounce_reports_digest_idx" ON "bounce_reports" USING btree ("digest");