import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { explain } from './api.js';

/** Loads on mount and whenever `deps` change; `reload` reads again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const run = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // `deps` are the caller's: what the load reads.
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function Alert({
  kind = 'error',
  children,
}: {
  kind?: 'error' | 'info' | 'success' | 'warning';
  children: ReactNode;
}) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function Failure({ error }: { error: unknown }) {
  return <Alert>{explain(error)}</Alert>;
}

export function Loading({ what = 'Chargement…' }: { what?: string }) {
  return (
    <p className="muted" role="status">
      {what}
    </p>
  );
}

export function Badge({
  tone,
  children,
}: {
  tone: 'ok' | 'late' | 'pending' | 'neutral' | 'problem';
  children: ReactNode;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** A modal dialog (the browser's own: focus kept inside, Escape closes). */
export function Dialog({
  title,
  open,
  onClose,
  children,
  wide,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-label={title} className={wide ? 'wide' : undefined}>
      <div className="dialog-head">
        <h2>{title}</h2>
        <button type="button" className="ghost" onClick={onClose}>
          Fermer
        </button>
      </div>
      {open ? children : null}
    </dialog>
  );
}

/** Sets the document title, which a screen reader announces on navigation. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Jalon`;
  }, [title]);
}
