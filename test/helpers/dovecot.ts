import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DOVECOT = '/usr/sbin/dovecot';
export const HAVE_DOVECOT = existsSync(DOVECOT);

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('* OK'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`dovecot: ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A private Dovecot IMAP server (Debian's dovecot-imapd): its own configuration, password file
 * and maildir in a temporary folder, on a free loopback port, stopped and started at will.
 */
export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'jalon-dovecot-'));
  // The unprivileged login processes reach their sockets under it.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const user = 'retours';
  const password = 'mot-de-passe-imap';
  const config = join(dir, 'dovecot.conf');
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}\n`);
  writeFileSync(
    config,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
# A stop ends the sessions too, as a crash or a restart of the server does.
shutdown_clients = yes
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
# Every process runs unprivileged, as the users Debian's package makes.
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`,
  );
  const run = (...args: string[]) => {
    // The daemon keeps whatever output it is given open: nothing to wait on but its exit status.
    const result = spawnSync(DOVECOT, ['-c', config, ...args], { stdio: 'ignore' });
    if (result.status !== 0)
      throw new Error(`dovecot ${args.join(' ')} exited ${result.status} (see ${dir}/dovecot.log)`);
  };
  const server: Dovecot = {
    port,
    user,
    password,
    async start() {
      run();
      await until(() => answers(port), 'no greeting');
    },
    async stop() {
      // The sessions outlive the master for a moment: ended first, as a crash of the server would.
      spawnSync('/usr/bin/doveadm', ['-c', config, 'kick', user], { stdio: 'ignore' });
      run('stop');
      await until(async () => !(await answers(port)), 'still answering');
    },
    async close() {
      spawnSync(DOVECOT, ['-c', config, 'stop'], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
