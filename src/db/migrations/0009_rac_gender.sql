ALTER TABLE "rac_profiles" ADD COLUMN "gender" text;
