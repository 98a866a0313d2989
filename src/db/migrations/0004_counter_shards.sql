ALTER TABLE "usage_daily" ADD COLUMN "shard" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_daily" DROP CONSTRAINT "usage_daily_day_agency_rac_id_template_channel_pk";--> statement-breakpoint
ALTER TABLE "usage_daily" ADD CONSTRAINT "usage_daily_day_agency_rac_id_template_channel_shard_pk" PRIMARY KEY("day","agency","rac_id","template","channel","shard");
