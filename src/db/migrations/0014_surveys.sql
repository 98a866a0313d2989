CREATE TABLE "survey_links" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"project_ref" text NOT NULL,
	"contact_id" text NOT NULL,
	"message_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"opened_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "surveys" (
	"project_ref" text NOT NULL,
	"contact_id" text NOT NULL,
	"agency" text NOT NULL,
	"rac_id" text NOT NULL,
	"message_id" text NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"sent_day" date NOT NULL,
	"rating" smallint,
	"comment" text,
	"answered_at" timestamp with time zone,
	"changed_at" timestamp with time zone,
	"alerted_event_id" bigint,
	CONSTRAINT "surveys_project_ref_contact_id_pk" PRIMARY KEY("project_ref","contact_id")
);
--> statement-breakpoint
ALTER TABLE "survey_links" ADD CONSTRAINT "survey_links_project_ref_projects_ref_fk" FOREIGN KEY ("project_ref") REFERENCES "public"."projects"("ref") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "surveys" ADD CONSTRAINT "surveys_project_ref_projects_ref_fk" FOREIGN KEY ("project_ref") REFERENCES "public"."projects"("ref") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "survey_links_message_idx" ON "survey_links" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "survey_links_project_idx" ON "survey_links" USING btree ("project_ref");--> statement-breakpoint
CREATE INDEX "surveys_agency_idx" ON "surveys" USING btree ("agency","sent_day");--> statement-breakpoint
-- Hand-written: a rating is 1 to 5 whatever writes it.
ALTER TABLE "surveys" ADD CONSTRAINT "surveys_rating_check" CHECK ("rating" BETWEEN 1 AND 5);
