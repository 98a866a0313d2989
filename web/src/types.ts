// The API's shapes, taken from the service's own schemas and views (type imports only: none
// of this code reaches the bundle), so the console and the API cannot drift apart.
import type { z } from 'zod';
import type { AgencySettings } from '../../src/agencies/settings.js';
import type { EventView } from '../../src/history/timeline.js';
import type { History } from '../../src/history/service.js';
import type { interventionInputSchema } from '../../src/interventions/schema.js';
import type { interventionListSchema, interventionSchema } from '../../src/interventions/schema.js';
import type { Agenda, AgendaItem } from '../../src/interventions/list-schema.js';
import type { messageListSchema, messageSummarySchema } from '../../src/messages/list-schema.js';
import type { projectListSchema, projectSummarySchema } from '../../src/projects/list-schema.js';
import type { keyInputSchema, KeyView } from '../../src/keys/service.js';
import type { bulkSchema, createMessageSchema, patchMessageSchema } from '../../src/messages/schema.js';
import type { Messages } from '../../src/messages/service.js';
import type { MessageView } from '../../src/messages/view.js';
import type { UserView, userInputSchema, userPatchSchema } from '../../src/people/users.js';
import type { Deadline, DeadlineCode } from '../../src/projects/deadlines.js';
import type { Contact, MilestoneCode, milestonesPatchSchema, Project, Site } from '../../src/projects/schema.js';
import type { racProfileInputSchema } from '../../src/racs/service.js';
import type { Racs } from '../../src/racs/service.js';
import type { BlockSummary, TemplateDetail, TemplateSummary } from '../../src/render/index.js';
import type { MeView } from '../../src/http/routes/sessions.js';
import type { UsageReport, UsageRow } from '../../src/stats/service.js';

export type { Agenda, AgendaItem };
export type { AgencySettings, BlockSummary, Contact, Deadline, DeadlineCode, EventView, KeyView, MeView };
export type { MessageView, MilestoneCode, Site, TemplateDetail, TemplateSummary, UsageReport, UsageRow, UserView };

export type ProjectView = Project & { deadlines: Record<DeadlineCode, Deadline> };
export type Timeline = Awaited<ReturnType<History['timeline']>>;
export type Preview = Awaited<ReturnType<Messages['preview']>>;
export type BulkResult = Awaited<ReturnType<Messages['bulk']>>;
export type Intervention = z.output<typeof interventionSchema>;
export type InterventionList = z.output<typeof interventionListSchema>;
export type ProjectSummary = z.output<typeof projectSummarySchema>;
export type ProjectList = z.output<typeof projectListSchema>;
export type MessageSummary = z.output<typeof messageSummarySchema>;
export type MessageList = z.output<typeof messageListSchema>;
export type RacProfileView = Awaited<ReturnType<Racs['get']>>;

export type CreateMessageBody = z.input<typeof createMessageSchema>;
export type PatchMessageBody = z.input<typeof patchMessageSchema>;
export type BulkBody = z.input<typeof bulkSchema>;
export type MilestonesPatch = z.input<typeof milestonesPatchSchema>;
export type InterventionBody = z.input<typeof interventionInputSchema>;
export type KeyBody = z.input<typeof keyInputSchema>;
export type UserBody = z.input<typeof userInputSchema>;
export type UserPatchBody = z.input<typeof userPatchSchema>;
export type RacProfileBody = z.input<typeof racProfileInputSchema>;
export type Recipient = NonNullable<NonNullable<CreateMessageBody['recipients']>['to']>[number];
