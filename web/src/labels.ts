/** The words a person reads for the API's codes. */
export const TEMPLATE_NAMES: Record<string, string> = {
  'accuse-reception': 'Accusé de réception',
  'rle-recap': 'Compte rendu de RLE',
  'avis-intervention': 'Avis d’intervention',
  'rappel-intervention': 'Rappel d’intervention (SMS)',
  cloture: 'Clôture',
  'relance-bilan': 'Relance du bilan de satisfaction',
  'modification-intervention': 'Modification d’intervention',
  'annulation-intervention': 'Annulation d’intervention',
  'annulation-intervention-sms': 'Annulation d’intervention (SMS)',
};
export const templateName = (key: string | null | undefined) => (key ? (TEMPLATE_NAMES[key] ?? key) : '—');

export const STATUS_NAMES: Record<string, string> = {
  draft: 'Brouillon',
  scheduled: 'Programmé',
  sending: 'En cours d’envoi',
  sent: 'Envoyé',
  delivered: 'Remis',
  failed: 'Échec',
  bounced: 'Rejeté',
  cancelled: 'Annulé',
};
export const statusName = (status: string | null | undefined) => (status ? (STATUS_NAMES[status] ?? status) : '—');

export const MILESTONE_NAMES: Record<string, string> = {
  clientContact: 'Contact de bienvenue',
  rlp: 'RLP (réunion interne)',
  rlpValidated: 'RLP validée',
  rle: 'RLE (réunion avec le client)',
  deploymentEnd: 'Fin de déploiement',
  surveySent: 'Bilan de satisfaction envoyé',
};

export const DEADLINE_NAMES: Record<string, string> = {
  clientContact: 'Contact de bienvenue',
  rlp: 'RLP sous 5 jours',
  rle: 'RLE sous 15 jours',
};
export const DEADLINE_STATES: Record<string, string> = { on_time: 'à l’heure', late: 'en retard', pending: 'à venir' };

export const ROLE_NAMES: Record<string, string> = {
  admin: 'Administrateur',
  manager: 'Manager',
  rac: 'RAC',
  planner: 'Planificateur',
  integration: 'Outil de commande',
};

export const EVENT_NAMES: Record<string, string> = {
  'project.created': 'Commande reçue',
  'project.updated': 'Commande mise à jour',
  'project.sites_imported': 'Liste des sites importée',
  'sites.imported': 'Liste des sites importée',
  'project.milestones_updated': 'Jalons mis à jour',
  'milestones.updated': 'Jalons mis à jour',
  'project.deadline_missed': 'Échéance dépassée',
  'message.drafted': 'Brouillon préparé',
  'message.edited': 'Message modifié',
  'message.rerendered': 'Message mis à jour depuis la commande',
  'message.scheduled': 'Message programmé',
  'message.rescheduled': 'Message reprogrammé',
  'message.postponed': 'Envoi reporté',
  'message.sending': 'Envoi en cours',
  'message.sent': 'Message envoyé',
  'message.resent': 'Message renvoyé',
  'message.delivered': 'Message remis',
  'message.attempt_failed': 'Tentative d’envoi échouée',
  'message.failed': 'Échec de l’envoi',
  'message.bounced': 'Message rejeté par le destinataire',
  'message.undelivered': 'Message non remis',
  'message.unconfirmed': 'Envoi non confirmé',
  'message.cancelled': 'Message annulé',
  'message.skipped': 'Message non envoyé',
  'message.status_callback': 'Accusé de l’opérateur SMS',
  'intervention.booked': 'Intervention planifiée',
  'intervention.moved': 'Intervention déplacée',
  'intervention.updated': 'Intervention modifiée',
  'intervention.cancelled': 'Intervention annulée',
  'reminder.skipped': 'Rappel non envoyé',
  'rac.profile_updated': 'Signature du RAC modifiée',
  'automation.failed': 'Préparation automatique impossible',
  'survey.answered': 'Bilan de satisfaction répondu',
  'contact.erased': 'Contact effacé',
  'retention.purged': 'Contenu purgé (durée de conservation)',
  'problem_digest.sent': 'Récapitulatif des envois en échec adressé au RAC',
  'problem_digest.skipped': 'Récapitulatif des envois en échec non adressé',
};
export const eventName = (type: string) => EVENT_NAMES[type] ?? type;

export const CHANNEL_NAMES: Record<string, string> = { email: 'E-mail', sms: 'SMS' };
export const SITE_ROLES: Record<string, string> = { main: 'Principal', remote: 'Distant' };
export const CONTACT_ROLES: Record<string, string> = {
  main: 'Contact principal',
  site: 'Contact site',
  billing: 'Facturation',
  technical: 'Technique',
  other: 'Autre',
};
export const KIND_NAMES: Record<string, string> = { access: 'Accès', service: 'Service' };
