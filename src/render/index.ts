/**
 * Public API of the render module: templates compiled once (MJML → HTML with Handlebars
 * expressions carried through), then rendered per message in microseconds.
 */
export type {
  Attachment,
  BlockSummary,
  EmailResult,
  EmlEnvelope,
  RacProfile,
  Renderer,
  RendererOptions,
  RenderInput,
  RenderResult,
  SampleOverrides,
  SmsResult,
  TemplateDetail,
  TemplateSummary,
} from './types.js';
export { createRenderer } from './renderer.js';
export { buildEml } from './eml.js';
export { racProfileSchema } from './people.js';
export { visitInvitation, visitUid, type CalendarInvitation, type VisitInvitationInput } from './ical.js';
