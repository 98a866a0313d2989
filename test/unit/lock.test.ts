import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '../../src/db/lock.js';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('acquireDataDirLock', () => {
  let dir: string;
  let lockFile: string;
  let other: ChildProcess;

  beforeAll(async () => {
    // Another live process, standing for a second instance that holds the folder.
    other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise<void>((done, fail) => {
      other.once('spawn', done);
      other.once('error', fail);
    });
  });
  afterAll(() => {
    if (other.exitCode === null && other.signalCode === null) other.kill();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jalon-lock-'));
    lockFile = join(dir, 'jalon.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes our pid to the lock file, and the release removes it', () => {
    const release = acquireDataDirLock(dir);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile)).toBe(false);
    // Released, the folder can be locked again.
    acquireDataDirLock(dir)();
  });

  it('creates a data folder that does not exist yet', () => {
    const nested = join(dir, 'a', 'b');
    const release = acquireDataDirLock(nested);
    expect(existsSync(join(nested, 'jalon.lock'))).toBe(true);
    release();
  });

  it('refuses a folder held by another live process, naming the folder and the pid', () => {
    const pid = other.pid;
    expect(pid).toBeDefined();
    expect(isAlive(pid ?? 0)).toBe(true);
    writeFileSync(lockFile, String(pid));

    let error: Error | undefined;
    try {
      acquireDataDirLock(dir);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain(resolve(dir));
    expect(error?.message).toContain(`process ${pid}`);
    expect(error?.message).toMatch(/DATABASE_URL/);
    // The other process's lock is left alone.
    expect(readFileSync(lockFile, 'utf8')).toBe(String(pid));
  });

  it('names the folder as an absolute path even when given a relative one', () => {
    writeFileSync(lockFile, String(other.pid));
    const relativeDir = relative(process.cwd(), dir);
    expect(relativeDir.startsWith('/')).toBe(false);
    expect(() => acquireDataDirLock(relativeDir)).toThrow(resolve(dir));
  });

  it('takes over the lock of a process that no longer exists', () => {
    expect(isAlive(999999)).toBe(false);
    writeFileSync(lockFile, '999999');
    const release = acquireDataDirLock(dir);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it.each([
    ['an empty lock file', ''],
    ['garbage', 'not a pid\n'],
  ])('takes over a lock file holding %s', (_what, content) => {
    writeFileSync(lockFile, content);
    const release = acquireDataDirLock(dir);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
  });

  it('takes over a lock holding our own pid (left by an earlier run reusing it, as pid 1 in a container)', () => {
    writeFileSync(lockFile, String(process.pid));
    const release = acquireDataDirLock(dir);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
  });

  it('takes over once the other process has exited', async () => {
    const pid = other.pid ?? 0;
    writeFileSync(lockFile, String(pid));
    expect(() => acquireDataDirLock(dir)).toThrow(String(pid));
    await new Promise<void>((done) => {
      other.once('exit', () => done());
      other.kill();
    });
    expect(isAlive(pid)).toBe(false);
    const release = acquireDataDirLock(dir);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
  });
});
