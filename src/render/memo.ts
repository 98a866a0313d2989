/**
 * Memoises a pure function of a string. Dates and phone numbers repeat across the messages of
 * a project, and formatting them through Intl or libphonenumber costs microseconds each. The
 * cache is bounded (cleared when full) so odd input cannot grow it without limit.
 */
export function memo<T>(fn: (key: string) => T, max = 2000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = fn(key);
    if (cache.size >= max) cache.clear();
    cache.set(key, value);
    return value;
  };
}
