import type { Project } from '../../src/projects/schema.js';
import type { EmailResult, Renderer } from '../../src/render/index.js';
import { projectFromJson, sampleDataFor } from '../../src/render/samples.js';
import { fixtureNames, loadFixture } from './fixtures.js';

/**
 * Every email template × every sample order × the order sizes clients have (1 to 237 sites),
 * with a personal message from the RAC: what the browser and spam tests look at.
 */

export const SIZES = [1, 3, 12, 40, 150, 237] as const;
export const EMAIL_TEMPLATES = [
  'accuse-reception',
  'rle-recap',
  'avis-intervention',
  'modification-intervention',
  'annulation-intervention',
  'cloture',
  'relance-bilan',
];
/** Words of the personal message the tests look for (no punctuation: typography leaves them as they are). */
export const PERSONAL_MARK = 'Merci encore pour votre accueil chaleureux lors de notre premier échange';
export const PERSONAL_MESSAGE = `${PERSONAL_MARK}. Je reviens vers vous très vite avec le planning détaillé des premières interventions.`;

/** The order cut to, or grown to, `count` sites (grown sites get their own reference and name). */
export function withSites(project: Project, count: number): Project {
  const sites = Array.from({ length: count }, (_, index) => {
    const site = project.sites[index % project.sites.length]!;
    const round = Math.floor(index / project.sites.length);
    return round === 0 ? site : { ...site, ref: `${site.ref}-${round}`, name: `${site.name} bis ${round}` };
  });
  return { ...project, sites };
}

export interface MatrixCase {
  key: string;
  order: string;
  size: number;
  project: Project;
  result: EmailResult;
}

export function mailMatrix(renderer: Renderer): MatrixCase[] {
  const cases: MatrixCase[] = [];
  for (const order of fixtureNames()) {
    const base = projectFromJson(loadFixture(order));
    for (const size of SIZES) {
      const project = withSites(base, size);
      for (const key of EMAIL_TEMPLATES) {
        const sample = renderer.get(key)?.sample as { data: Record<string, unknown>; blocks: Record<string, string> };
        const result = renderer.render(key, {
          project,
          data: sampleDataFor(sample.data, project),
          blocks: { ...sample.blocks, personalMessage: PERSONAL_MESSAGE },
        });
        if (result.channel !== 'email') throw new Error(`${key} is not an email`);
        cases.push({ key, order, size, project, result });
      }
    }
  }
  return cases;
}
