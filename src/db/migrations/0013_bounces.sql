CREATE TABLE "bounce_reports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"message_id" text,
	"recipients" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"raw" text
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"id" text PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"reason" text NOT NULL,
	"detail" text,
	"message_id" text,
	"project_ref" text,
	"agency" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"lifted_at" timestamp with time zone,
	"lifted_by" text
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "hold" jsonb;--> statement-breakpoint
ALTER TABLE "usage_daily" ADD COLUMN "bounced" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "bounced" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "bounce_reports_received_idx" ON "bounce_reports" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "bounce_reports_message_idx" ON "bounce_reports" USING btree ("message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "suppressions_active_idx" ON "suppressions" USING btree ("channel","address") WHERE "suppressions"."lifted_at" is null;--> statement-breakpoint
CREATE INDEX "suppressions_agency_idx" ON "suppressions" USING btree ("agency","created_at");