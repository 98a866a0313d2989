CREATE TABLE "event_outbox" (
	"event_id" bigint PRIMARY KEY NOT NULL,
	"available_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "provider_reports" (
	"provider_id" text NOT NULL,
	"status" text NOT NULL,
	"error_code" text,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "provider_reports_provider_id_status_pk" PRIMARY KEY("provider_id","status")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "revision" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "provider_status" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "unconfirmed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "cause_event_id" bigint;--> statement-breakpoint
CREATE INDEX "event_outbox_available_idx" ON "event_outbox" USING btree ("available_at");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_cause_idx" ON "messages" USING btree ("cause_event_id","template_key");