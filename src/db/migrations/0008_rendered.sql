ALTER TABLE "messages" ADD COLUMN "rendered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "rendered_version" integer;--> statement-breakpoint
UPDATE "messages" SET "rendered_at" = "updated_at";
