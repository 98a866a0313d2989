/**
 * JSON with the keys of every object sorted, so that the same value always gives the same
 * text (and hash), whatever order a client wrote its fields in. Otherwise as JSON.stringify:
 * `toJSON` is honoured (dates), undefined fields are left out, undefined in arrays is null.
 */
export function stableJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return stableJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((item) => (isAbsent(item) ? 'null' : stableJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => !isAbsent(item))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return isAbsent(value) ? 'null' : JSON.stringify(value);
}

const isAbsent = (value: unknown) => value === undefined || typeof value === 'function' || typeof value === 'symbol';
