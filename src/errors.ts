/** One problem with one field of the input, named by its path (e.g. `sites.3.postalCode`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * An error that knows how it should be reported: its stable code, its HTTP status and
 * whether retrying the same operation later may succeed (used by workers to choose between
 * retry and permanent failure).
 */
export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly retryable: boolean;
  readonly details: FieldIssue[] | Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;
  /** How many problems there were when `details` holds only the first MAX_DETAILS. */
  readonly detailsTotal: number | undefined;

  constructor(
    code: string,
    statusCode: number,
    message: string,
    options: {
      retryable?: boolean;
      details?: FieldIssue[] | Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
      detailsTotal?: number;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = statusCode;
    this.retryable = options.retryable ?? statusCode >= 500;
    this.details = options.details;
    this.headers = options.headers;
    this.detailsTotal = options.detailsTotal;
  }
}

export const notFound = (what: string) => new AppError('not_found', 404, `${what} not found`);

/** Error bodies list at most this many problems (and how many there were): enough to fix a file. */
export const MAX_DETAILS = 100;

/**
 * A 400 for one or more named fields; the message repeats the first so a log line is enough.
 * `total` counts problems a caller stopped listing.
 */
export function invalid(issues: FieldIssue[], code = 'invalid_input', total = issues.length): AppError {
  const [first] = issues;
  const summary = first ? `${first.path || 'body'}: ${first.message}` : 'invalid input';
  const more = total > 1 ? ` (and ${total - 1} more)` : '';
  return new AppError(code, 400, summary + more, {
    details: issues.slice(0, MAX_DETAILS),
    ...(total > MAX_DETAILS ? { detailsTotal: total } : {}),
  });
}

/** What a client is told of an error (the error handler adds the request id). */
export function publicError(error: AppError): {
  code: string;
  message: string;
  details?: AppError['details'];
  detailsTotal?: number;
} {
  return {
    code: error.code,
    message: error.message,
    ...(error.details ? { details: error.details } : {}),
    ...(error.detailsTotal !== undefined ? { detailsTotal: error.detailsTotal } : {}),
  };
}

/** Turns a zod issue path into the dotted form used in error details. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part)).join('.');
}
