-- Rollups now hold each bucket twice (by template and channel, and per RAC only): buckets summed
-- before hold the first only, so every bucket is summed again the first time a report needs it.
DELETE FROM "usage_rollups";--> statement-breakpoint
DELETE FROM "usage_rollup_buckets";
