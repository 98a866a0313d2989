/** The console's one way to call /v1: the session cookie, and the header every write must carry. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Raised on 401: the session ended; the app shows the sign-in screen. */
export const SIGNED_OUT = 'jalon:signed-out';

export interface Answer<T> {
  data: T;
  etag: string | null;
}

export async function call<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method !== 'GET' ? { 'x-jalon-csrf': '1' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status === 401) window.dispatchEvent(new Event(SIGNED_OUT));
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = (
      parsed as { error?: { code?: string; message?: string; details?: { path: string; message: string }[] } }
    )?.error;
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? response.statusText, error?.details);
  }
  return { data: parsed as T, etag: response.headers.get('etag') };
}

export const get = async <T>(path: string) => (await call<T>('GET', path)).data;
export const post = async <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
  (await call<T>('POST', path, body, headers)).data;
export const put = async <T>(path: string, body: unknown) => (await call<T>('PUT', path, body)).data;
export const patch = async <T>(path: string, body: unknown, headers?: Record<string, string>) =>
  (await call<T>('PATCH', path, body, headers)).data;
export const del = async <T>(path: string) => (await call<T>('DELETE', path)).data;

export const query = (params: Record<string, string | number | boolean | undefined | null>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
};

/** What to tell a person about a failed call, in French; the API's own message says the detail. */
export function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Le service ne répond pas. Vérifiez la connexion, puis réessayez.';
  switch (error.status) {
    case 403:
      return 'Cette action ne vous est pas permise.';
    case 404:
      return 'Introuvable, ou hors de votre périmètre.';
    case 409:
      return `Impossible dans l’état actuel : ${error.message}`;
    case 412:
      return 'Ce message a été modifié entre-temps (par vous ailleurs, ou par quelqu’un d’autre).';
    case 429:
      return 'Trop de demandes d’un coup. Patientez un instant, puis réessayez.';
    default:
      if (error.status >= 500) return 'Le service a rencontré un problème. Réessayez dans un instant.';
      return error.details.length > 0
        ? `Saisie refusée : ${error.details.map((d) => `${d.path} — ${d.message}`).join(' ; ')}`
        : `Saisie refusée : ${error.message}`;
  }
}
