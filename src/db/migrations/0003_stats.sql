CREATE TABLE "project_stats" (
	"project_ref" text PRIMARY KEY NOT NULL,
	"agency" text NOT NULL,
	"rac_id" text NOT NULL,
	"received_at" date NOT NULL,
	"rlp_actual" date,
	"rle_actual" date,
	"ack_date" date
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"day" date NOT NULL,
	"agency" text NOT NULL,
	"rac_id" text NOT NULL,
	"template" text NOT NULL,
	"channel" text NOT NULL,
	"drafted" integer DEFAULT 0 NOT NULL,
	"scheduled" integer DEFAULT 0 NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancelled" integer DEFAULT 0 NOT NULL,
	"sms_segments" integer DEFAULT 0 NOT NULL,
	"sender_actions" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_daily_day_agency_rac_id_template_channel_pk" PRIMARY KEY("day","agency","rac_id","template","channel")
);
--> statement-breakpoint
CREATE TABLE "usage_rollup_buckets" (
	"grain" text NOT NULL,
	"day" date NOT NULL,
	CONSTRAINT "usage_rollup_buckets_grain_day_pk" PRIMARY KEY("grain","day")
);
--> statement-breakpoint
CREATE TABLE "usage_rollups" (
	"grain" text NOT NULL,
	"day" date NOT NULL,
	"agency" text NOT NULL,
	"rac_id" text NOT NULL,
	"template" text NOT NULL,
	"channel" text NOT NULL,
	"drafted" integer DEFAULT 0 NOT NULL,
	"scheduled" integer DEFAULT 0 NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancelled" integer DEFAULT 0 NOT NULL,
	"sms_segments" integer DEFAULT 0 NOT NULL,
	"sender_actions" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_rollups_grain_day_agency_rac_id_template_channel_pk" PRIMARY KEY("grain","day","agency","rac_id","template","channel")
);
--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "purged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "project_stats" ADD CONSTRAINT "project_stats_project_ref_projects_ref_fk" FOREIGN KEY ("project_ref") REFERENCES "public"."projects"("ref") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "project_stats_agency_idx" ON "project_stats" USING btree ("agency","received_at");--> statement-breakpoint
CREATE INDEX "project_stats_received_idx" ON "project_stats" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "usage_daily_agency_idx" ON "usage_daily" USING btree ("agency","day");--> statement-breakpoint
CREATE INDEX "usage_rollups_agency_idx" ON "usage_rollups" USING btree ("grain","agency","day");--> statement-breakpoint
CREATE INDEX "projects_updated_idx" ON "projects" USING btree ("updated_at");--> statement-breakpoint
-- Statistics of the data recorded before these tables existed (same statements as src/stats/rebuild.ts).
insert into usage_daily (day, agency, rac_id, template, channel, drafted, scheduled, sent, delivered,
  failed, cancelled, sms_segments, sender_actions)
  select (e.at at time zone 'Europe/Paris')::date, m.agency, m.rac_id, m.template_key, m.channel, count(*) filter (where e.type in ('message.drafted')), count(*) filter (where e.type in ('message.scheduled')), count(*) filter (where e.type in ('message.sent')), count(*) filter (where e.type in ('message.delivered')), count(*) filter (where e.type in ('message.failed', 'message.undelivered', 'message.bounced')), count(*) filter (where e.type in ('message.cancelled')),
  coalesce(sum(m.sms_segments) filter (where e.type = 'message.sent' and m.channel = 'sms'), 0),
  count(*) filter (where e.type in ('message.drafted', 'message.scheduled', 'message.edited', 'message.rescheduled', 'message.cancelled') and e.actor not in ('worker', 'twilio', 'automation')
  and (m.origin = 'api' or (m.origin = 'automation' and not (e.type = 'message.drafted' or (e.type = 'message.scheduled' and e.data->>'from' is distinct from 'draft')))))
  from history_events e join messages m on m.id = e.data->>'messageId'
  where e.type in ('message.drafted', 'message.scheduled', 'message.sent', 'message.delivered', 'message.failed', 'message.undelivered', 'message.bounced', 'message.cancelled', 'message.edited', 'message.rescheduled')
  group by 1, 2, 3, 4, 5;
--> statement-breakpoint
insert into project_stats (project_ref, agency, rac_id, received_at, rlp_actual, rle_actual, ack_date)
  select p.ref, p.agency, p.rac_id, p.received_at, coalesce((select actual from milestones where project_ref = p.ref and code = 'rlp'), (select actual from milestones where project_ref = p.ref and code = 'rlpValidated')),
  coalesce((select actual from milestones where project_ref = p.ref and code = 'rle')),
  (select (min(m.sent_at) at time zone 'Europe/Paris')::date from messages m
  where m.project_ref = p.ref and m.template_key = 'accuse-reception')
  from projects p;
