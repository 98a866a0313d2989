import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { explain, get, post, query } from '../api.js';
import { formatDateTime, parisInstant, parisToday } from '../format.js';
import { statusName, templateName } from '../labels.js';
import { Link } from '../router.js';
import type { BulkBody, BulkResult, MessageList, MessageSummary, MessageView } from '../types.js';
import { Alert, Failure, Loading, useLoad, useTitle } from '../ui.js';
import { Content } from '../components/Content.js';

const contentOf = (m: MessageView) =>
  'body' in m.content
    ? {
        channel: 'sms' as const,
        body: m.content.body ?? null,
        encoding: m.content.encoding ?? null,
        segments: m.content.segments ?? null,
      }
    : {
        channel: 'email' as const,
        subject: m.content.subject ?? null,
        html: m.content.html ?? null,
        text: m.content.text ?? null,
      };

function CurrentPreview({ id }: { id: string }) {
  const message = useLoad(() => get<MessageView>(`/v1/messages/${encodeURIComponent(id)}`), [id]);
  if (message.error) return <Failure error={message.error} />;
  if (!message.data) return <Loading />;
  return <Content content={contentOf(message.data)} warnings={message.data.warnings} />;
}

/** Bulk review: the drafts of an order (or of a template), stepped through with the keyboard. */
export function Review({ search }: { search: URLSearchParams }) {
  useTitle('Relecture groupée');
  const projectRef = search.get('projectRef') ?? undefined;
  const template = search.get('template') ?? undefined;
  const list = useLoad(async () => {
    // Up to one bulk call's worth (500), page by page.
    const all: MessageSummary[] = [];
    let cursor: string | null = null;
    do {
      const page: MessageList = await get<MessageList>(
        `/v1/messages${query({ status: 'draft', projectRef, template, sort: 'sendAt', cursor, limit: 200 })}`,
      );
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && all.length < 500);
    return all.slice(0, 500);
  }, [projectRef, template]);
  const items = useMemo(() => list.data ?? [], [list.data]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [index, setIndex] = useState(0);
  const [results, setResults] = useState<BulkResult['results'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [when, setWhen] = useState({ day: parisToday(new Date(Date.now() + 86_400_000)), time: '09:00' });
  const listRef = useRef<HTMLUListElement>(null);
  useEffect(() => setSelected(new Set(items.map((m) => m.id))), [items]);
  useEffect(() => {
    listRef.current?.querySelector<HTMLElement>(`[data-index="${index}"]`)?.focus();
  }, [index]);

  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'j') setIndex((i) => Math.min(items.length - 1, i + 1));
    else if (event.key === 'ArrowUp' || event.key === 'k') setIndex((i) => Math.max(0, i - 1));
    else if (event.key === ' ' || event.key === 'x') {
      const id = items[index]?.id;
      if (id) setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
    } else return;
    event.preventDefault();
  };

  const act = async (action: 'send' | 'schedule') => {
    setBusy(true);
    setError(null);
    try {
      const body: BulkBody = {
        action,
        items: items.filter((m) => selected.has(m.id)).map((m) => ({ id: m.id, revision: m.revision })),
        ...(action === 'schedule' ? { sendAt: parisInstant(when.day, when.time) } : {}),
      };
      const answer = await post<BulkResult>('/v1/messages/bulk', body);
      setResults(answer.results);
    } catch (failure) {
      setError(explain(failure));
    } finally {
      setBusy(false);
    }
  };

  if (list.error) return <Failure error={list.error} />;
  if (!list.data) return <Loading />;
  const current = items[index];
  const outcome = new Map((results ?? []).map((r) => [r.id, r]));
  const done = (results ?? []).filter((r) => r.ok).length;
  return (
    <>
      <h1>Relecture groupée{projectRef ? ` · ${projectRef}` : ''}</h1>
      {items.length === 0 ? <p className="muted">Aucun brouillon à relire ici.</p> : null}
      {items.length > 0 ? (
        <>
          <p className="muted">
            Flèches haut et bas (ou j et k) pour passer d’un message à l’autre, Espace pour le cocher ou le décocher.
          </p>
          <div className="form-actions">
            <button type="button" disabled={busy || selected.size === 0} onClick={() => void act('send')}>
              Envoyer la sélection ({selected.size})
            </button>
            <label>
              Jour
              <input type="date" value={when.day} onChange={(e) => setWhen({ ...when, day: e.target.value })} />
            </label>
            <label>
              Heure (Paris)
              <input type="time" value={when.time} onChange={(e) => setWhen({ ...when, time: e.target.value })} />
            </label>
            <button
              type="button"
              className="secondary"
              disabled={busy || selected.size === 0}
              onClick={() => void act('schedule')}
            >
              Programmer la sélection
            </button>
          </div>
          {error ? <Alert>{error}</Alert> : null}
          {results ? (
            <Alert kind={done === results.length ? 'success' : 'warning'}>
              {done} sur {results.length} traités.{' '}
              {projectRef ? <Link to={`/app/projects/${encodeURIComponent(projectRef)}`}>Voir la commande</Link> : null}
            </Alert>
          ) : null}
          <div className="review">
            <ul className="review-list" ref={listRef} onKeyDown={onKey} aria-label="Brouillons">
              {items.map((m, i) => {
                const r = outcome.get(m.id);
                return (
                  <li
                    key={m.id}
                    data-index={i}
                    tabIndex={i === index ? 0 : -1}
                    aria-current={i === index ? 'true' : undefined}
                    onClick={() => setIndex(i)}
                    onFocus={() => setIndex(i)}
                  >
                    <label className="check">
                      <input
                        type="checkbox"
                        tabIndex={-1}
                        checked={selected.has(m.id)}
                        onChange={() =>
                          setSelected((s) =>
                            s.has(m.id) ? new Set([...s].filter((x) => x !== m.id)) : new Set([...s, m.id]),
                          )
                        }
                      />
                      {templateName(m.template)} · {m.subject ?? `${m.recipientCount} destinataire(s)`}
                    </label>
                    <span className="muted small">
                      {r
                        ? r.ok
                          ? `${statusName(r.status)} (${formatDateTime(r.sendAt)})`
                          : `refusé : ${r.error.message}`
                        : `prévu ${formatDateTime(m.sendAt)}`}
                    </span>
                  </li>
                );
              })}
            </ul>
            <section className="preview" aria-label="Aperçu du brouillon">
              {current ? <CurrentPreview id={current.id} /> : null}
            </section>
          </div>
        </>
      ) : null}
    </>
  );
}
