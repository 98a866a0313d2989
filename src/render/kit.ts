import { invalid } from '../errors.js';
import type { MilestoneCode, Project } from '../projects/schema.js';
import type { Brand } from './brand.js';
import { frenchDate, frenchShortDate, frenchWindow, parseDate, smsDate } from './dates.js';
import type { ViewKit } from './manifest.js';
import { distinctContacts, displayPhone, mainContact } from './people.js';
import { count, fullName, joinFrench, offersView } from './phrasing.js';

export function createKit(project: Project, brand: Brand, publicBaseUrl: string): ViewKit {
  const fail = (path: string, message: string): never => {
    throw invalid([{ path: `data.${path}`, message }], 'invalid_template_data');
  };
  return {
    project,
    brand,
    publicBaseUrl,
    offers: offersView(project.offers),
    fail,
    site(ref, path) {
      if (ref === undefined) {
        if (project.sites.length === 1 && project.sites[0]) return project.sites[0];
        return fail(path, project.sites.length === 0 ? 'the order has no site' : 'required: the order has several sites');
      }
      return project.sites.find((site) => site.ref === ref) ?? fail(path, `unknown site "${ref}" in order ${project.orderNumber}`);
    },
    contact: (id) => (id === undefined ? undefined : project.contacts.find((contact) => contact.id === id)),
    mainContact: () => mainContact(project),
    distinctContacts: () => distinctContacts(project.contacts),
    fullName,
    milestone(code) {
      const dates = project.milestones[code as MilestoneCode];
      return { planned: dates?.planned ?? null, actual: dates?.actual ?? null };
    },
    surveyUrl: () => `${publicBaseUrl.replace(/\/+$/, '')}${brand.surveyPath}/${encodeURIComponent(project.ref)}`,
    date: frenchDate,
    shortDate: frenchShortDate,
    smsDate: (iso) => smsDate(parseDate(iso)),
    window: frenchWindow,
    phone: displayPhone,
    count,
    joinFrench,
  };
}
