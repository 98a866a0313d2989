import { configOrExit, fail } from '../boot.js';
import { openDatabase } from './client.js';

// `npm run db:migrate`: applies pending migrations (start-up does the same).
const config = configOrExit();
try {
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  await database.migrate();
  await database.close();
  process.stdout.write(`Migrations applied (${database.kind}).\n`);
} catch (error) {
  fail((error as Error).message);
}
