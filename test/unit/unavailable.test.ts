import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from '../../src/db/unavailable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('a database that cannot be reached, told apart from a query that is wrong', () => {
  it.each([
    ['no free connection in time', new Error('timeout exceeded when trying to connect')],
    ['the server restarting', withCode('terminating connection due to administrator command', '57P01')],
    ['the server starting up', withCode('the database system is starting up', '57P03')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['closed to connections', withCode('database "jalon" is not currently accepting connections', '55000')],
    ['wrapped by the query builder', new Error('Failed query: select 1', { cause: withCode('x', '57P01') })],
  ])('%s: unavailable', (_name, error) => {
    expect(databaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a syntax error', withCode('syntax error at or near "selec"', '42601')],
    ['not an error', 'timeout exceeded when trying to connect'],
  ])('%s: a failure of its own', (_name, error) => {
    expect(databaseUnavailable(error)).toBe(false);
  });
});
