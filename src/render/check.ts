import Handlebars from 'handlebars';
import type { Project } from '../projects/schema.js';
import { sampleDataFor } from './samples.js';
import { displayText } from './typography.js';
import type { Renderer, RenderResult } from './types.js';

/**
 * What `npm run templates:check` verifies for every template and order: no template syntax
 * left in the output, a non-empty text part, every site named where sites are listed, no
 * repeated paragraph, and hostile input (markup, quotes, ampersands, mustaches, emoji,
 * javascript: links) coming out escaped in the HTML.
 */

export const HOSTILE_BLOCK =
  '<script>alert(1)</script> "quotes" Tom & Jerry {{x}} 🚀 javascript:alert(1) <a href="javascript:alert(1)">clic</a>';
export const HOSTILE_NAME = '<script>alert(1)</script>"Dupont" & {{x}} 🚀';

/** How Handlebars escapes a value in HTML (what a correctly escaped value looks like). */
export function escapedLikeHandlebars(value: string): string {
  return Handlebars.Utils.escapeExpression(value);
}

/** Paragraphs (blank-line separated) that appear more than once in a text part. */
export function repeatedParagraphs(text: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const paragraph of text
    .split(/\n\s*\n/)
    .map((item) => item.trim())
    .filter(Boolean)) {
    if (seen.has(paragraph)) repeated.push(paragraph);
    seen.add(paragraph);
  }
  return repeated;
}

function outputProblems(result: RenderResult, project: Project, listsSites: boolean): string[] {
  const problems: string[] = [];
  if (result.channel === 'sms') {
    if (result.body.trim() === '') problems.push('empty SMS body');
    if (result.body.includes('{{')) problems.push('raw {{ in the SMS body');
    return problems;
  }
  if (result.subject.trim() === '') problems.push('empty subject');
  if (result.text.trim() === '') problems.push('empty text part');
  for (const [part, value] of [
    ['subject', result.subject],
    ['html', result.html],
    ['text', result.text],
  ] as const) {
    if (value.includes('{{')) problems.push(`raw {{ in the ${part}`);
  }
  for (const paragraph of repeatedParagraphs(result.text))
    problems.push(`repeated paragraph: ${paragraph.slice(0, 60)}…`);
  if (listsSites) {
    // A large order's sites are in the attached list; a smaller one's in the mail itself.
    const attached = result.attachments.find((item) => item.contentType.startsWith('text/csv'));
    for (const site of project.sites) {
      if (attached) {
        if (!attached.content.includes(site.ref)) problems.push(`site ${site.ref} missing from the attached list`);
        continue;
      }
      if (!result.html.includes(site.ref) || !result.html.includes(escapedLikeHandlebars(displayText(site.name))))
        problems.push(`site ${site.ref} missing from the HTML`);
      if (!result.text.includes(site.ref)) problems.push(`site ${site.ref} missing from the text part`);
    }
  }
  for (const line of result.text.split('\n'))
    if (/^\s*[:;!?»]/.test(line))
      problems.push(`a line of the text part starts with punctuation: ${line.slice(0, 40)}`);
  return problems;
}

function hostileProblems(result: RenderResult): string[] {
  if (result.channel === 'sms') return [];
  const html = result.html;
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push('unescaped <script> in the HTML');
  if (/href\s*=\s*["']?\s*javascript:/i.test(html)) problems.push('javascript: link in the HTML');
  if (html.includes('"quotes"') || html.includes('"Dupont"')) problems.push('unescaped quotes in the HTML');
  if (html.includes('Tom & Jerry') || html.includes('" & ')) problems.push('unescaped & in the HTML');
  if (!html.includes('🚀')) problems.push('emoji lost in the HTML');
  if (!result.text.includes('🚀')) problems.push('emoji lost in the text part');
  return problems;
}

function hostileProject(project: Project): Project {
  return {
    ...project,
    contacts: project.contacts.map((contact) => ({ ...contact, firstName: HOSTILE_NAME, lastName: HOSTILE_NAME })),
  };
}

export interface CheckTarget {
  name: string;
  project: Project;
}

export function checkTemplates(
  renderer: Renderer,
  targets: readonly CheckTarget[],
  listsSites: (key: string) => boolean,
): string[] {
  const problems: string[] = [];
  for (const summary of renderer.list()) {
    const detail = renderer.get(summary.key);
    if (!detail) continue;
    const sample = detail.sample as { data: Record<string, unknown>; blocks: Record<string, string> };
    for (const target of targets) {
      const where = `${summary.key} × ${target.name}`;
      const data = sampleDataFor(sample.data, target.project);
      try {
        const result = renderer.render(summary.key, { project: target.project, data, blocks: sample.blocks });
        problems.push(
          ...outputProblems(result, target.project, listsSites(summary.key)).map((problem) => `${where}: ${problem}`),
        );
        const blocks = Object.fromEntries(detail.blocks.map((block) => [block.name, HOSTILE_BLOCK]));
        const hostile = renderer.render(summary.key, {
          project: hostileProject(target.project),
          data,
          blocks,
          racProfile: { displayName: HOSTILE_NAME },
        });
        problems.push(...hostileProblems(hostile).map((problem) => `${where} (hostile input): ${problem}`));
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** Four arrival windows a planner books: morning and afternoon, on the hour and at half past. */
export const SMS_WINDOWS = [
  ['2026-06-02T08:00:00+02:00', '2026-06-02T12:00:00+02:00'],
  ['2026-06-02T13:00:00+02:00', '2026-06-02T17:00:00+02:00'],
  ['2026-11-17T08:30:00+01:00', '2026-11-17T12:30:00+01:00'],
  ['2026-11-17T13:30:00+01:00', '2026-11-17T17:30:00+01:00'],
] as const;

export interface SmsMatrix {
  total: number;
  oneSegment: number;
  /** The reminders still over one segment, for the report. */
  over: { where: string; body: string; segments: number }[];
}

/**
 * Every site of every order (so every city and site name) × both visit kinds × four windows,
 * rendered as the reminder SMS with its defaults: how many fit one segment.
 */
export function smsMatrix(renderer: Renderer, targets: readonly CheckTarget[], key = 'rappel-intervention'): SmsMatrix {
  const matrix: SmsMatrix = { total: 0, oneSegment: 0, over: [] };
  for (const target of targets) {
    for (const site of target.project.sites) {
      for (const kind of ['access', 'service'] as const) {
        for (const [windowStart, windowEnd] of SMS_WINDOWS) {
          const result = renderer.render(key, {
            project: target.project,
            data: { siteRef: site.ref, kind, windowStart, windowEnd },
          });
          if (result.channel !== 'sms') continue;
          matrix.total += 1;
          if (result.segments === 1) matrix.oneSegment += 1;
          else
            matrix.over.push({
              where: `${target.name} ${site.ref} ${kind} ${windowStart}`,
              body: result.body,
              segments: result.segments,
            });
        }
      }
    }
  }
  return matrix;
}
