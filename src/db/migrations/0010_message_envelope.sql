ALTER TABLE "messages" ADD COLUMN "from_name" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "attachments" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "calendar" jsonb;
