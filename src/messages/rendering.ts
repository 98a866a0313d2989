import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { racProfiles } from '../db/schema.js';
import type { Project } from '../projects/schema.js';
import type { RacProfile, Renderer, RenderResult } from '../render/index.js';

/** The columns of a message that hold what was rendered: what is sent is what is kept. */
export function content(result: RenderResult) {
  return result.channel === 'email'
    ? { subject: result.subject, html: result.html, text: result.text, warnings: result.warnings }
    : {
        smsBody: result.body,
        smsEncoding: result.encoding,
        smsSegments: result.segments,
        warnings: result.warnings,
      };
}

export type RenderForProject = (
  project: Project,
  template: string,
  blocks: Record<string, string>,
  data: Record<string, unknown>,
  transliterate?: boolean,
) => Promise<RenderResult>;

/** Renders a template for an order, signed with its RAC's stored profile when there is one. */
export function createProjectRenderer({ db, renderer }: { db: Db; renderer: Renderer }): RenderForProject {
  async function racProfile(project: Project): Promise<RacProfile | undefined> {
    const [row] = await db.select().from(racProfiles).where(eq(racProfiles.id, project.rac.id));
    if (!row) return undefined;
    return {
      displayName: row.displayName,
      ...(row.title ? { title: row.title } : {}),
      ...(row.phone ? { phone: row.phone } : {}),
      ...(row.email ? { email: row.email } : {}),
      ...(row.photoUrl ? { photoUrl: row.photoUrl } : {}),
    };
  }
  return async (project, template, blocks, data, transliterate) => {
    const profile = await racProfile(project);
    return renderer.render(template, {
      project,
      blocks,
      data,
      ...(profile ? { racProfile: profile } : {}),
      ...(transliterate ? { transliterate } : {}),
    });
  };
}
