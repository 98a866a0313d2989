import { useState } from 'react';
import { formatDateTime } from '../format.js';
import { CHANNEL_NAMES, eventName, statusName, templateName } from '../labels.js';
import { Link } from '../router.js';
import { get } from '../api.js';
import type { EventView, MessageView, Timeline } from '../types.js';
import { Dialog, Failure, Loading, useLoad } from '../ui.js';
import { Content, type ShownContent } from './Content.js';

/** Exactly what was stored for the client: read when asked for, so the timeline itself stays light. */
function StoredContent({ id }: { id: string }) {
  const message = useLoad(() => get<MessageView>(`/v1/messages/${encodeURIComponent(id)}`), [id]);
  if (message.error) return <Failure error={message.error} />;
  if (!message.data) return <Loading />;
  const c = message.data.content;
  const content: ShownContent =
    'body' in c
      ? { channel: 'sms', body: c.body ?? null, encoding: c.encoding ?? null, segments: c.segments ?? null }
      : { channel: 'email', subject: c.subject ?? null, html: c.html ?? null, text: c.text ?? null };
  return <Content content={content} />;
}

const recipients = (event: EventView) => event.recipients?.to.map((r) => r.name ?? r.address).join(', ') ?? '';

/** The order's history, newest first; a message event opens exactly what the client received. */
export function TimelineView({ state }: { state: { data?: Timeline; error?: unknown; loading: boolean } }) {
  const [open, setOpen] = useState<EventView | null>(null);
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Historique</h2>
      {state.error ? <Failure error={state.error} /> : null}
      {!state.data ? (
        <Loading />
      ) : state.data.events.length === 0 ? (
        <p className="muted">Rien encore.</p>
      ) : (
        <ol className="timeline" data-testid="timeline">
          {state.data.events.map((event) => (
            <li key={event.id}>
              <time dateTime={event.at}>{formatDateTime(event.at)}</time>
              <div>
                <strong>{eventName(event.type)}</strong>
                {event.template ? ` · ${templateName(event.template)}` : ''}
                {event.channel ? ` · ${CHANNEL_NAMES[event.channel] ?? event.channel}` : ''}
                {recipients(event) ? <span className="muted"> · à {recipients(event)}</span> : null}
                <div className="muted small">
                  {event.actor ? `par ${event.actor}` : 'automatiquement'}
                  {event.onBehalfOf ? ` pour ${event.onBehalfOf}` : ''}
                  {event.message ? ` · aujourd’hui : ${statusName(event.message.status)}` : ''}
                </div>
              </div>
              {event.message ? (
                <div className="actions">
                  {!event.message.purgedAt ? (
                    <button type="button" className="secondary" onClick={() => setOpen(event)}>
                      Voir le contenu
                    </button>
                  ) : null}
                  <Link to={`/app/messages/${event.message.id}`}>Ouvrir le message</Link>
                </div>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <Dialog
        title={open ? `${eventName(open.type)} · ${templateName(open.template)}` : ''}
        open={open !== null}
        onClose={() => setOpen(null)}
        wide
      >
        {open?.message ? <StoredContent id={open.message.id} /> : null}
      </Dialog>
    </section>
  );
}
