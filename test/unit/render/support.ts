import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Project } from '../../../src/projects/schema.js';
import { createRenderer } from '../../../src/render/index.js';
import type { EmailResult, Renderer, RenderResult, SmsResult } from '../../../src/render/index.js';
import { projectFromJson } from '../../../src/render/samples.js';
import { fixtureNames, loadFixture } from '../../helpers/fixtures.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TEMPLATES_DIR = join(ROOT, 'templates');
export const BASE_URL = 'https://jalon.example';

export const newRenderer = (): Promise<Renderer> =>
  createRenderer({ templatesDir: TEMPLATES_DIR, publicBaseUrl: BASE_URL });

/** The five sample orders as stored projects (ref = order number). */
export function fixtures(): { name: string; project: Project }[] {
  return fixtureNames().map((name) => ({ name, project: projectFromJson(loadFixture(name)) }));
}

export function fixture(orderNumber: string): Project {
  return projectFromJson(loadFixture(orderNumber));
}

export function asEmail(result: RenderResult): EmailResult {
  if (result.channel !== 'email') throw new Error('expected an email');
  return result;
}

export function asSms(result: RenderResult): SmsResult {
  if (result.channel !== 'sms') throw new Error('expected an SMS');
  return result;
}

/** Runs fn and returns what it threw (failing the test when it does not throw). */
export function thrown(fn: () => unknown): { code?: string; statusCode?: number; message: string; details?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; statusCode?: number; message: string; details?: unknown };
  }
  throw new Error('expected an error');
}

export function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/**
 * A writable copy of the templates in a temporary folder, with node_modules linked so the
 * manifests resolve zod. The caller removes it with cleanup().
 */
export function copyTemplates(): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'jalon-templates-'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const dir = join(root, 'templates');
  cpSync(TEMPLATES_DIR, dir, { recursive: true });
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
