import { useEffect, useMemo, useState } from 'react';
import { ApiError, call, explain, get, post } from '../api.js';
import { formatDateTime, parisInstant, parisParts, parisToday } from '../format.js';
import { statusName, templateName } from '../labels.js';
import { Link, navigate } from '../router.js';
import { can, useMe } from '../session.js';
import type {
  Contact,
  CreateMessageBody,
  MessageView,
  Preview,
  ProjectView,
  Recipient,
  TemplateDetail,
} from '../types.js';
import { Alert, Badge, Failure, Loading, useLoad, useTitle } from '../ui.js';
import { Content, type ShownContent } from '../components/Content.js';
import { contactName } from '../components/Contacts.js';
import { usePreview } from '../components/usePreview.js';

const PENDING = new Set(['draft', 'scheduled']);

function previewContent(preview: Preview): ShownContent {
  return preview.channel === 'email'
    ? { channel: 'email', subject: preview.subject, html: preview.html, text: preview.text }
    : {
        channel: 'sms',
        body: preview.body,
        encoding: preview.encoding,
        segments: preview.segments,
        length: preview.length,
      };
}

function storedContent(message: MessageView): ShownContent {
  const c = message.content;
  return 'body' in c
    ? { channel: 'sms', body: c.body ?? null, encoding: c.encoding ?? null, segments: c.segments ?? null }
    : { channel: 'email', subject: c.subject ?? null, html: c.html ?? null, text: c.text ?? null };
}

/** The message's recipients as the preview and the API take them back. */
const recipientOf = (r: { address: string; name?: string; contactId?: string }, channel: string): Recipient =>
  r.contactId
    ? { contactId: r.contactId }
    : channel === 'sms'
      ? { mobile: r.address }
      : { email: r.address, ...(r.name ? { name: r.name } : {}) };

export function Compose(props: { projectRef: string; template: string } | { messageId: string }) {
  if ('messageId' in props) return <ExistingMessage id={props.messageId} />;
  return <NewMessage projectRef={props.projectRef} template={props.template} />;
}

function ExistingMessage({ id }: { id: string }) {
  // A new editor (the server's blocks) only when the person asks for the newest version.
  const [generation, setGeneration] = useState(0);
  const message = useLoad(
    () => call<MessageView>('GET', `/v1/messages/${encodeURIComponent(id)}`).then((a) => a.data),
    [id],
  );
  const project = useLoad(
    async () => (message.data ? get<ProjectView>(`/v1/projects/${encodeURIComponent(message.data.projectRef)}`) : null),
    [message.data?.projectRef],
  );
  useTitle(message.data ? `${templateName(message.data.template)} · ${message.data.projectRef}` : 'Message');
  if (message.error) {
    const hidden = message.error instanceof ApiError && (message.error.status === 404 || message.error.status === 403);
    return hidden ? (
      <Alert>Ce message n’existe pas, ou il ne fait pas partie de votre périmètre.</Alert>
    ) : (
      <Failure error={message.error} />
    );
  }
  if (!message.data || !project.data) return <Loading />;
  return (
    <Editor
      key={`${message.data.id}-${generation}`}
      project={project.data}
      template={message.data.template}
      message={message.data}
      reload={message.reload}
      reloadFresh={() => {
        setGeneration((g) => g + 1);
        message.reload();
      }}
    />
  );
}

function NewMessage({ projectRef, template }: { projectRef: string; template: string }) {
  const project = useLoad(() => get<ProjectView>(`/v1/projects/${encodeURIComponent(projectRef)}`), [projectRef]);
  useTitle(`${templateName(template)} · ${projectRef}`);
  if (project.error) return <Failure error={project.error} />;
  if (!project.data) return <Loading />;
  return <Editor project={project.data} template={template} />;
}

function Recipients({
  contacts,
  channel,
  chosen,
  onChange,
  disabled,
}: {
  contacts: readonly Contact[];
  channel: string;
  chosen: Set<string>;
  onChange: (ids: Set<string>) => void;
  disabled: boolean;
}) {
  const reachable = contacts.filter((c) => (channel === 'sms' ? c.mobile : c.email));
  return (
    <fieldset disabled={disabled}>
      <legend>Destinataires</legend>
      {reachable.map((c) => (
        <label key={c.id} className="check">
          <input
            type="checkbox"
            checked={chosen.has(c.id)}
            onChange={(e) => {
              const next = new Set(chosen);
              if (e.target.checked) next.add(c.id);
              else next.delete(c.id);
              onChange(next);
            }}
          />
          {contactName(c)} <span className="muted">({channel === 'sms' ? c.mobile : c.email})</span>
        </label>
      ))}
    </fieldset>
  );
}

/** The editor: recipients, editable blocks with their limits, and the live preview beside them. */
function Editor({
  project,
  template,
  message,
  reload,
  reloadFresh,
}: {
  project: ProjectView;
  template: string;
  message?: MessageView;
  reload?: () => void;
  reloadFresh?: () => void;
}) {
  const me = useMe();
  const detail = useLoad(() => get<TemplateDetail>(`/v1/templates/${encodeURIComponent(template)}`), [template]);
  const editable = !message || PENDING.has(message.status);
  const mayAct = can.send(me) && editable;
  const [blocks, setBlocks] = useState<Record<string, string> | null>(null);
  const [to, setTo] = useState<Set<string> | null>(() =>
    message ? new Set(message.to.map((r) => r.contactId).filter((x): x is string => Boolean(x))) : null,
  );
  const [when, setWhen] = useState(() => {
    const at = message?.status === 'scheduled' ? parisParts(message.sendAt) : null;
    return { day: at?.date ?? parisToday(new Date(Date.now() + 86_400_000)), time: at?.time ?? '09:00' };
  });
  const [outcome, setOutcome] = useState<{ kind: 'success' | 'error'; text: string; stale?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!detail.data || blocks) return;
    const initial: Record<string, string> = {};
    for (const block of detail.data.blocks) initial[block.name] = message?.blocks[block.name] ?? block.default;
    setBlocks(initial);
  }, [detail.data, blocks, message]);

  const channel = detail.data?.channel ?? message?.channel ?? 'email';
  const recipients = useMemo((): CreateMessageBody['recipients'] => {
    if (message)
      return {
        to: message.to.map((r) => recipientOf(r, message.channel)),
        cc: message.cc.map((r) => recipientOf(r, message.channel)),
      };
    if (!to || to.size === 0) return undefined;
    return { to: [...to].map((contactId) => ({ contactId })) };
  }, [message, to]);
  const body = blocks
    ? {
        projectRef: project.ref,
        template,
        blocks,
        ...(recipients ? { recipients } : {}),
        ...(message && Object.keys(message.data).length > 0 ? { data: message.data } : {}),
      }
    : null;
  const live = usePreview(editable ? body : null);

  // The first preview says who the defaults are; ticking starts from them.
  useEffect(() => {
    if (to === null && live.preview) {
      setTo(new Set(live.preview.recipients.to.map((r) => r.contactId).filter((x): x is string => Boolean(x))));
    }
  }, [live.preview, to]);

  if (detail.error) return <Failure error={detail.error} />;
  if (!detail.data || !blocks) return <Loading />;

  const tooLong = detail.data.blocks.filter((b) => (blocks[b.name] ?? '').length > b.maxLength);
  const revisionHeader = (revision: number) => ({ 'if-match': `"${revision}"` });

  const act = async (action: 'send' | 'schedule' | 'draft' | 'save' | 'cancel') => {
    setBusy(true);
    setOutcome(null);
    // « Envoyer maintenant » means now, also for a message drafted or scheduled for later.
    const later = message !== undefined && Date.parse(message.sendAt) > Date.now();
    const sendAt =
      action === 'schedule'
        ? parisInstant(when.day, when.time)
        : action === 'send' && later
          ? new Date().toISOString()
          : undefined;
    try {
      if (!message) {
        const created = await post<MessageView>('/v1/messages', {
          projectRef: project.ref,
          template,
          blocks,
          ...(recipients ? { recipients } : {}),
          ...(action === 'draft' ? { draft: true } : {}),
          ...(sendAt ? { sendAt } : {}),
        } satisfies CreateMessageBody);
        navigate(`/app/messages/${created.id}`);
        return;
      }
      const path = `/v1/messages/${encodeURIComponent(message.id)}`;
      const changed = detail.data!.blocks.some((b) => (blocks[b.name] ?? '') !== (message.blocks[b.name] ?? b.default));
      const goesAt = (at: string) =>
        Date.parse(at) > Date.now() + 60_000
          ? `Programmé pour le ${formatDateTime(at)}.`
          : 'Le message part maintenant.';
      if (action === 'cancel') {
        await post(`${path}/cancel`, {}, revisionHeader(message.revision));
        setOutcome({ kind: 'success', text: 'Message annulé.' });
      } else {
        let current = message;
        if (changed || sendAt) {
          const saved = await call<MessageView>(
            'PATCH',
            path,
            { blocks, ...(sendAt ? { sendAt } : {}) },
            revisionHeader(current.revision),
          );
          current = saved.data;
        }
        if (current.status === 'draft' && (action === 'send' || action === 'schedule')) {
          const sent = await post<MessageView>(`${path}/send`, undefined, revisionHeader(current.revision));
          setOutcome({ kind: 'success', text: goesAt(sent.sendAt) });
        } else if (action === 'send') {
          // A scheduled message goes at its new time (now, or when SMS may next go): nothing more to ask.
          setOutcome({ kind: 'success', text: goesAt(current.sendAt) });
        } else {
          setOutcome({
            kind: 'success',
            text: sendAt ? `Programmé pour le ${formatDateTime(sendAt)}.` : 'Modifications enregistrées.',
          });
        }
      }
      reload?.();
    } catch (failure) {
      setOutcome({
        kind: 'error',
        text: explain(failure),
        stale: failure instanceof ApiError && failure.status === 412,
      });
    } finally {
      setBusy(false);
    }
  };

  const shownPreview = editable
    ? live.preview
      ? previewContent(live.preview)
      : null
    : message
      ? storedContent(message)
      : null;
  const warnings = editable ? (live.preview?.warnings ?? []) : (message?.warnings ?? []);

  return (
    <div className="compose">
      <header>
        <p className="muted">
          <Link to={`/app/projects/${encodeURIComponent(project.ref)}`}>
            {project.orderNumber} · {project.client.company}
          </Link>
        </p>
        <h1>
          {templateName(template)}{' '}
          {message ? (
            <Badge tone={message.status === 'failed' || message.status === 'bounced' ? 'problem' : 'neutral'}>
              {statusName(message.status)}
            </Badge>
          ) : (
            <Badge tone="neutral">Nouveau</Badge>
          )}
        </h1>
        {message && message.status === 'scheduled' ? <p>Part le {formatDateTime(message.sendAt)}.</p> : null}
        {message && message.sentAt ? <p>Envoyé le {formatDateTime(message.sentAt)}.</p> : null}
        {message?.lastError ? <Alert kind="warning">Dernière erreur : {message.lastError}</Alert> : null}
      </header>
      <div className="compose-grid">
        <form className="editor" onSubmit={(e) => e.preventDefault()} aria-label="Contenu du message">
          {message ? (
            <p>
              <span className="muted">À :</span> {message.to.map((r) => r.name ?? r.address).join(', ')}
              {message.cc.length > 0 ? (
                <>
                  <br />
                  <span className="muted">Copie :</span> {message.cc.map((r) => r.name ?? r.address).join(', ')}
                </>
              ) : null}
            </p>
          ) : (
            <Recipients
              contacts={project.contacts}
              channel={channel}
              chosen={to ?? new Set()}
              onChange={setTo}
              disabled={!mayAct}
            />
          )}
          {detail.data.blocks.map((block) => {
            const value = blocks[block.name] ?? '';
            const id = `block-${block.name}`;
            const over = value.length > block.maxLength;
            return (
              <div key={block.name} className="field">
                <label htmlFor={id}>
                  {block.label}
                  {block.required ? ' (obligatoire)' : ''}
                </label>
                <textarea
                  id={id}
                  value={value}
                  readOnly={!mayAct}
                  rows={Math.min(10, Math.max(3, value.split('\n').length + 1))}
                  aria-describedby={`${id}-count`}
                  aria-invalid={over}
                  onChange={(e) => setBlocks({ ...blocks, [block.name]: e.target.value })}
                />
                <span id={`${id}-count`} className={over ? 'count over' : 'count muted'}>
                  {value.length} / {block.maxLength} caractères
                </span>
              </div>
            );
          })}
          {mayAct ? (
            <>
              <fieldset className="when">
                <legend>Programmer (heure de Paris)</legend>
                <label>
                  Jour
                  <input type="date" value={when.day} onChange={(e) => setWhen({ ...when, day: e.target.value })} />
                </label>
                <label>
                  Heure
                  <input type="time" value={when.time} onChange={(e) => setWhen({ ...when, time: e.target.value })} />
                </label>
              </fieldset>
              <div className="form-actions">
                <button type="button" disabled={busy || tooLong.length > 0} onClick={() => void act('send')}>
                  Envoyer maintenant
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={busy || tooLong.length > 0}
                  onClick={() => void act('schedule')}
                >
                  Programmer
                </button>
                {message ? (
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy || tooLong.length > 0}
                    onClick={() => void act('save')}
                  >
                    Enregistrer le brouillon
                  </button>
                ) : (
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy || tooLong.length > 0}
                    onClick={() => void act('draft')}
                  >
                    Garder en brouillon
                  </button>
                )}
                {message ? (
                  <button type="button" className="danger" disabled={busy} onClick={() => void act('cancel')}>
                    Annuler le message
                  </button>
                ) : null}
              </div>
            </>
          ) : null}
          {outcome ? (
            <Alert kind={outcome.kind}>
              {outcome.text}{' '}
              {outcome.stale ? (
                <button type="button" className="secondary" onClick={() => reloadFresh?.()}>
                  Recharger la dernière version
                </button>
              ) : null}
            </Alert>
          ) : null}
        </form>
        <section className="preview" aria-labelledby="preview-title" aria-busy={live.pending}>
          <h2 id="preview-title">{editable ? 'Aperçu en direct' : 'Contenu envoyé'}</h2>
          {live.error ? <Failure error={live.error} /> : null}
          {shownPreview ? (
            <Content content={shownPreview} warnings={warnings} />
          ) : (
            <Loading what="Aperçu en préparation…" />
          )}
        </section>
      </div>
    </div>
  );
}
