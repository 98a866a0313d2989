import type { BlockSpec } from '../src/render/manifest.js';

/** Editable blocks most templates offer; each template picks its own and its closing line. */

/** The sign-off of every default closing; a sender's own closing replaces both lines. */
export const SIGN_OFF = 'Bien cordialement,';

export const personalMessage: BlockSpec = {
  name: 'personalMessage',
  label: 'Message personnel',
  default: '',
  maxLength: 2000,
  required: false,
};

export const additionalInfo: BlockSpec = {
  name: 'additionalInfo',
  label: 'Informations complémentaires',
  default: '',
  maxLength: 2000,
  required: false,
};

export function closing(text: string): BlockSpec {
  return {
    name: 'closing',
    label: 'Formule de conclusion (remplace aussi « Bien cordialement, »)',
    default: `${text}\n\n${SIGN_OFF}`,
    maxLength: 500,
    required: true,
  };
}
