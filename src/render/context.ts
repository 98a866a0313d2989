import { formatPath, invalid } from '../errors.js';
import { defaultAudience, siteOfMessage } from '../projects/audience.js';
import { resolveBlocks } from './blocks.js';
import { frenchDate } from './dates.js';
import { createKit } from './kit.js';
import type { LoadedTemplate, TemplateSet } from './loader.js';
import type { CalendarEvent } from './manifest.js';
import { racProfileSchema, racView, type RacView } from './people.js';
import { greeting, type OffersView } from './phrasing.js';
import { sitesView, type SiteNote, type SitesView } from './sites.js';
import { displayText, mapStrings, stripBidiControls } from './typography.js';
import type { RenderInput } from './types.js';

/** Everything a template can read. Keys are always present: Handlebars runs in strict mode. */
export interface MessageContext {
  project: {
    ref: string;
    orderNumber: string;
    trackingNumber: string;
    label: string;
    company: string;
    receivedOn: string;
  };
  greeting: string;
  rac: RacView;
  offers: OffersView;
  sites: SitesView | null;
  blocks: Record<string, string>;
  data: Record<string, unknown>;
  preheader: string;
  subject: string;
}

export interface BuiltContext {
  context: MessageContext;
  warnings: string[];
  siteNotes: SiteNote[];
  /** SMS: shorter variables to try while the message takes more than one segment. */
  shorter: { vars: Record<string, unknown>; warning: string }[];
  /** The calendar event the message is about, as the manifest gave it (not typeset). */
  event: CalendarEvent | undefined;
  /** Who signs, as given (not typeset): the organiser of that event. */
  signer: { name: string; email: string };
}

function zodIssues(prefix: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  return issues.map((issue) => ({ path: formatPath([prefix, ...issue.path]), message: issue.message }));
}

/** Validates the sender's input against the template and prepares the template's variables. */
export function buildContext(
  set: TemplateSet,
  template: LoadedTemplate,
  input: RenderInput,
  publicBaseUrl: string,
): BuiltContext {
  const { manifest } = template;
  const { project } = input;
  const blocks = resolveBlocks(manifest.blocks, input.blocks);
  const parsedData = manifest.data.safeParse(input.data ?? {});
  if (!parsedData.success) throw invalid(zodIssues('data', parsedData.error.issues), 'invalid_template_data');
  let profile = input.racProfile;
  if (profile !== undefined) {
    const parsed = racProfileSchema.safeParse(profile);
    if (!parsed.success) throw invalid(zodIssues('racProfile', parsed.error.issues), 'invalid_rac_profile');
    profile = parsed.data;
  }

  const kit = createKit(project, set.brand, publicBaseUrl);
  const view = manifest.view(parsedData.data, kit);
  const warnings = [...(view.warnings ?? [])];
  const greeted =
    input.greeted ??
    defaultAudience(
      project,
      manifest.channel,
      manifest.audience,
      siteOfMessage(project, manifest.milestone, input.data),
    );
  if (greeted.length === 0) warnings.push('the order has no client contact: the greeting is impersonal');
  const rac = racView(project, profile);
  if (!rac.phone) warnings.push('the signature has no phone number');

  const siteNotes = view.siteNotes ?? [];
  const context: MessageContext = {
    project: {
      ref: project.ref,
      orderNumber: project.orderNumber,
      trackingNumber: project.trackingNumber,
      label: project.label,
      company: project.client.company,
      receivedOn: frenchDate(project.receivedAt),
    },
    greeting: greeting(greeted),
    rac,
    offers: kit.offers,
    sites: manifest.listsSites
      ? sitesView(project.sites, {
          listedMax: set.brand.sitesListedMax,
          contacts: project.contacts,
          notes: siteNotes,
          orderNumber: project.orderNumber,
        })
      : null,
    blocks,
    data: view.vars,
    preheader: view.preheader ?? manifest.preheader ?? '',
    subject: '',
  };
  // Everything a template shows, typeset (email) or freed of bidi controls (SMS, GSM-7), once.
  const text = manifest.channel === 'email' ? displayText : stripBidiControls;
  return {
    context: mapStrings(context, text),
    warnings,
    siteNotes,
    shorter: view.shorter ?? [],
    event: view.event,
    signer: { name: rac.displayName, email: rac.email },
  };
}
