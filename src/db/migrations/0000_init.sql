CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"role" text NOT NULL,
	"agency" text NOT NULL,
	"rac_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"project_ref" text NOT NULL,
	"id" text NOT NULL,
	"position" integer NOT NULL,
	"civility" text,
	"first_name" text,
	"last_name" text NOT NULL,
	"email" text,
	"mobile" text,
	"role" text NOT NULL,
	CONSTRAINT "contacts_project_ref_id_pk" PRIMARY KEY("project_ref","id")
);
--> statement-breakpoint
CREATE TABLE "history_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"project_ref" text NOT NULL,
	"type" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "milestones" (
	"project_ref" text NOT NULL,
	"code" text NOT NULL,
	"planned" date,
	"actual" date,
	CONSTRAINT "milestones_project_ref_code_pk" PRIMARY KEY("project_ref","code")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"ref" text PRIMARY KEY NOT NULL,
	"order_number" text NOT NULL,
	"tracking_number" text NOT NULL,
	"label" text NOT NULL,
	"agency" text NOT NULL,
	"received_at" date NOT NULL,
	"rac_id" text NOT NULL,
	"rac_first_name" text NOT NULL,
	"rac_last_name" text NOT NULL,
	"rac_email" text NOT NULL,
	"rac_phone" text,
	"client_company" text NOT NULL,
	"offers" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rac_profiles" (
	"id" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"title" text,
	"phone" text,
	"email" text,
	"photo_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"project_ref" text NOT NULL,
	"ref" text NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"postal_code" text NOT NULL,
	"city" text NOT NULL,
	"role" text NOT NULL,
	"contact_id" text,
	"access" jsonb,
	CONSTRAINT "sites_project_ref_ref_pk" PRIMARY KEY("project_ref","ref")
);
--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_project_ref_projects_ref_fk" FOREIGN KEY ("project_ref") REFERENCES "public"."projects"("ref") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "milestones" ADD CONSTRAINT "milestones_project_ref_projects_ref_fk" FOREIGN KEY ("project_ref") REFERENCES "public"."projects"("ref") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sites" ADD CONSTRAINT "sites_project_ref_projects_ref_fk" FOREIGN KEY ("project_ref") REFERENCES "public"."projects"("ref") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_idx" ON "api_keys" USING btree ("hash");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_prefix_idx" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "history_project_idx" ON "history_events" USING btree ("project_ref","id");--> statement-breakpoint
CREATE INDEX "projects_agency_idx" ON "projects" USING btree ("agency");--> statement-breakpoint
CREATE INDEX "projects_rac_idx" ON "projects" USING btree ("rac_id");