import { parseArgs } from 'node:util';
import { configOrExit, fail } from '../boot.js';
import { openDatabase } from '../db/client.js';
import { AppError } from '../errors.js';
import { createKeys, keyInputSchema } from './service.js';

const USAGE = `Usage:
  npm run keys -- create --role admin|integration|rac|manager --agency CODE|* --name NAME [--rac RAC_ID] [--queue-write] [--json]
  npm run keys -- list [--json]
  npm run keys -- revoke ID_OR_PREFIX`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    role: { type: 'string' },
    agency: { type: 'string' },
    name: { type: 'string' },
    rac: { type: 'string' },
    'queue-write': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const [command, target] = positionals;
if (!command || !['create', 'list', 'revoke'].includes(command)) fail(`unknown command.\n${USAGE}`);

const config = configOrExit();
let database;
try {
  database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
} catch (error) {
  fail(
    `${(error as Error).message}\nWhile the service runs on the embedded database, manage keys through the API instead: POST/GET/DELETE /v1/keys with an admin key.`,
  );
}
try {
  await database.migrate();
  const keys = createKeys({ db: database.db });
  if (command === 'create') {
    const parsed = keyInputSchema.safeParse({
      role: values.role,
      agency: values.agency,
      name: values.name,
      racId: values.rac,
      queueWrite: values['queue-write'],
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const flag = { racId: 'rac', queueWrite: 'queue-write' }[String(issue?.path[0])] ?? String(issue?.path[0] ?? '');
      fail(`--${flag}: ${issue?.message}\n${USAGE}`);
    }
    const { key, apiKey } = await keys.create(parsed.data);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ key, id: apiKey.id, prefix: apiKey.prefix })}\n`
        : `Created ${apiKey.role} key "${apiKey.name}" for agency ${apiKey.agency} (id ${apiKey.id}).\nKey (shown once): ${key}\n`,
    );
  } else if (command === 'list') {
    const list = await keys.list();
    if (values.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else
      for (const k of list) {
        const status = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
        process.stdout.write(
          `${k.prefix}…  ${k.role.padEnd(11)} ${k.agency.padEnd(6)} ${k.name}  (${status}, id ${k.id})\n`,
        );
      }
  } else {
    if (!target) fail(`revoke needs a key id or prefix.\n${USAGE}`);
    const revoked = await keys.revoke(target);
    process.stdout.write(`Revoked ${revoked.prefix}… (${revoked.name}).\n`);
  }
} catch (error) {
  fail(error instanceof AppError ? error.message : String(error));
} finally {
  await database.close();
}
