import { useState } from 'react';
import { MailFrame } from './MailFrame.js';

export type ShownContent =
  | { channel: 'email'; subject: string | null; html: string | null; text: string | null }
  | { channel: 'sms'; body: string | null; encoding: string | null; segments: number | null; length?: number };

const WIDTHS = { desktop: 640, phone: 375 } as const;

/** A message's content: the mail at desktop or phone width, its text part, or the SMS with its cost. */
export function Content({ content, warnings = [] }: { content: ShownContent; warnings?: readonly string[] }) {
  const [view, setView] = useState<'desktop' | 'phone' | 'text'>('desktop');
  return (
    <div className="content">
      {warnings.length > 0 ? (
        <ul className="warnings" aria-label="Avertissements">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {content.channel === 'email' ? (
        <>
          <p className="subject">
            <span className="muted">Objet :</span> <strong data-testid="subject">{content.subject}</strong>
          </p>
          <div className="segmented" role="group" aria-label="Affichage de l’aperçu">
            {(
              [
                ['desktop', 'Ordinateur'],
                ['phone', 'Téléphone'],
                ['text', 'Texte seul'],
              ] as const
            ).map(([key, label]) => (
              <button key={key} type="button" aria-pressed={view === key} onClick={() => setView(key)}>
                {label}
              </button>
            ))}
          </div>
          {view === 'text' ? (
            <pre className="text-part" data-testid="text-part">
              {content.text}
            </pre>
          ) : (
            <MailFrame
              html={content.html ?? ''}
              width={WIDTHS[view]}
              title="Aperçu du message tel que le client le reçoit"
            />
          )}
        </>
      ) : (
        <div className="sms">
          <p className="sms-body" data-testid="sms-body">
            {content.body}
          </p>
          <p className="muted">
            Encodage {content.encoding ?? '—'}
            {content.length !== undefined ? ` · ${content.length} caractères` : ''} ·{' '}
            <strong>
              {content.segments ?? '—'} segment{(content.segments ?? 0) > 1 ? 's' : ''}
            </strong>
            {content.encoding === 'UCS-2' ? ' (un caractère hors GSM-7 réduit la place par segment)' : ''}
          </p>
        </div>
      )}
    </div>
  );
}
