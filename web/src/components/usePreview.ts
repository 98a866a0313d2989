import { useEffect, useRef, useState } from 'react';
import { post } from '../api.js';
import type { Preview } from '../types.js';

/**
 * Renders the message as it would go, after each change. One request at a time: a change made
 * while one is out waits for it, and only the newest of such changes is sent next. So the
 * preview follows typing without a debounce delay, and never shows an older answer over a newer.
 */
export function usePreview(body: Record<string, unknown> | null) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const state = useRef({ inFlight: false, queued: null as string | null, sent: 0, shown: 0, live: true });
  const key = body ? JSON.stringify(body) : null;

  useEffect(() => {
    const s = state.current;
    s.live = true;
    return () => {
      s.live = false;
    };
  }, []);

  useEffect(() => {
    if (!key) return;
    const s = state.current;
    const fire = (payload: string) => {
      const mine = ++s.sent;
      s.inFlight = true;
      setPending(true);
      post<Preview>('/v1/messages/preview', JSON.parse(payload))
        .then((answer) => {
          if (!s.live || mine < s.shown) return;
          s.shown = mine;
          setPreview(answer);
          setError(null);
        })
        .catch((failure: unknown) => s.live && mine >= s.shown && setError(failure))
        .finally(() => {
          s.inFlight = false;
          const next = s.queued;
          s.queued = null;
          if (next && s.live) fire(next);
          else if (s.live) setPending(false);
        });
    };
    if (s.inFlight) s.queued = key;
    else fire(key);
  }, [key]);
  return { preview, error, pending };
}
