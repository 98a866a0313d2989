import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProjectInput } from '../../src/projects/schema.js';

const DIR = fileURLToPath(new URL('../fixtures/projects/', import.meta.url));

export function fixtureNames(): string[] {
  return readdirSync(DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

export function loadFixture(name: string): ProjectInput {
  return JSON.parse(readFileSync(`${DIR}${name.endsWith('.json') ? name : `${name}.json`}`, 'utf8')) as ProjectInput;
}

export function loadFixtures(): ProjectInput[] {
  return fixtureNames().map(loadFixture);
}
