CREATE TABLE "digest_problems" (
	"event_id" bigint PRIMARY KEY NOT NULL,
	"digest_id" text NOT NULL,
	"message_id" text NOT NULL,
	"contact_id" text,
	"suppression_id" text,
	"reason" text NOT NULL,
	"remote_status" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "problem_digests" (
	"id" text PRIMARY KEY NOT NULL,
	"project_ref" text NOT NULL,
	"day" date NOT NULL,
	"status" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "digest_problems" ADD CONSTRAINT "digest_problems_digest_id_problem_digests_id_fk" FOREIGN KEY ("digest_id") REFERENCES "public"."problem_digests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "problem_digests" ADD CONSTRAINT "problem_digests_project_ref_projects_ref_fk" FOREIGN KEY ("project_ref") REFERENCES "public"."projects"("ref") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "digest_problems_digest_idx" ON "digest_problems" USING btree ("digest_id");--> statement-breakpoint
CREATE UNIQUE INDEX "problem_digests_day_idx" ON "problem_digests" USING btree ("project_ref","day");--> statement-breakpoint
CREATE UNIQUE INDEX "problem_digests_open_idx" ON "problem_digests" USING btree ("project_ref") WHERE "problem_digests"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "problem_digests_status_idx" ON "problem_digests" USING btree ("status","due_at");