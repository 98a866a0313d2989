import { useEffect, useRef } from 'react';

/**
 * A mail's HTML as the client's mail program shows it. Put into /app/frame.html, whose own
 * policy lets the mail's inline styles apply and no script run; sandboxed without scripts too.
 */
export function MailFrame({ html, width, title }: { html: string; width: number; title: string }) {
  const ref = useRef<HTMLIFrameElement>(null);
  const written = useRef<string | null>(null);

  const write = () => {
    const doc = ref.current?.contentDocument;
    if (!doc || doc.readyState !== 'complete' || written.current === html) return;
    // Parsed here, then adopted by the frame's own document, which keeps the frame's policy
    // (document.write from this page would give it this page's stricter one).
    const parsed = new DOMParser().parseFromString(html, 'text/html');
    doc.replaceChild(doc.importNode(parsed.documentElement, true), doc.documentElement);
    written.current = html;
  };
  useEffect(write);

  return (
    <iframe
      ref={ref}
      className="mail-frame"
      src="/app/frame.html"
      sandbox="allow-same-origin"
      title={title}
      style={{ width: `${width}px` }}
      onLoad={() => {
        written.current = null;
        write();
      }}
    />
  );
}
