import type { Brand } from './brand.js';
import type { CalendarInvitation } from './ical.js';
import type { Greeted } from '../projects/audience.js';
import type { Project } from '../projects/schema.js';

/** Who signs a message; when absent the signature is built from the project's RAC. */
export interface RacProfile {
  displayName: string;
  title?: string;
  phone?: string;
  email?: string;
  photoUrl?: string;
  /** Grammatical gender for the few phrases that need it; phrasing needs none when absent. */
  gender?: 'f' | 'm';
}

export interface RenderInput {
  project: Project;
  racProfile?: RacProfile;
  blocks?: Record<string, string>;
  data?: Record<string, unknown>;
  /** SMS only: replace what GSM-7 lacks by its closest form (default true; false keeps UCS-2 characters). */
  transliterate?: boolean;
  /**
   * The people the greeting names: the message's `To` recipients (src/messages/recipients.ts).
   * When absent (a template preview), the order's default audience.
   */
  greeted?: readonly Greeted[];
  /**
   * Email only: the visit this message belongs to, for the calendar invitation its template
   * describes (a template without an event ignores it). `sequence` counts the invitations of
   * this visit the recipients may already have; `stamp` is when this version was made.
   */
  invitation?: { visitId: string; sequence: number; stamp: Date; attendees: { name?: string; email: string }[] };
}

/** A file sent with an email (the full site list of a large order). */
export interface Attachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface EmailResult {
  channel: 'email';
  subject: string;
  html: string;
  text: string;
  /** The From display name, « Léa Laurent – Orion Télécom »; the address is the service's sending address. */
  fromName: string;
  /** Where replies go: the RAC. */
  replyTo: string;
  attachments: Attachment[];
  /** The visit's calendar invitation (or its withdrawal), when the message is about a visit. */
  calendar?: CalendarInvitation;
  warnings: string[];
}

export interface SmsResult {
  channel: 'sms';
  body: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** Length in encoding units: GSM-7 septets (extension characters count twice) or UCS-2 code units. */
  length: number;
  warnings: string[];
}

export type RenderResult = EmailResult | SmsResult;

export interface TemplateSummary {
  key: string;
  channel: 'email' | 'sms';
  milestone: string | null;
  description: string;
  /** Who the message is for by default: the main contact, or every client contact. */
  audience: 'main' | 'all';
}

export interface BlockSummary {
  name: string;
  label: string;
  default: string;
  maxLength: number;
  required: boolean;
}

export interface TemplateDetail extends TemplateSummary {
  /** JSON schema of `data` (z.toJSONSchema of the manifest's schema). */
  variables: unknown;
  blocks: BlockSummary[];
  sample: unknown;
}

export interface SampleOverrides {
  blocks?: Record<string, string>;
  data?: Record<string, unknown>;
}

export interface Renderer {
  list(): TemplateSummary[];
  get(key: string): TemplateDetail | undefined;
  /** Synchronous and fast: everything expensive happened in createRenderer. Throws AppError. */
  render(key: string, input: RenderInput): RenderResult;
  renderSample(key: string, overrides?: SampleOverrides): RenderResult;
  /** The brand file as loaded (pages of the service wear it too, the survey's). */
  brand(): Brand;
  /** A brand image (templates/assets), served to mail clients from PUBLIC_BASE_URL. */
  asset(name: string): { contentType: string; body: Buffer } | undefined;
  /** Stops file watching. */
  close(): Promise<void>;
}

export interface RendererOptions {
  templatesDir: string;
  publicBaseUrl: string;
  watch?: boolean;
  /** Called after each reload triggered by watching: without an error on success. */
  onReload?: (error?: Error) => void;
}

export interface EmlEnvelope {
  from: string;
  to: string[];
  cc?: string[];
  replyTo?: string;
  messageId?: string;
  date?: Date;
}
