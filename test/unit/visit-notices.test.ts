import { describe, expect, it } from 'vitest';
import { DAY_SMS_MAX, reminderBatches } from '../../src/interventions/day-reminders.js';
import { sameVisit, wantedNotice } from '../../src/interventions/notices.js';
import type { MessageRow } from '../../src/messages/moves.js';
import type { VisitRow } from '../../src/interventions/visit-writes.js';

/** What the client is told of a visit, from what they were told already: every case of the rule. */

const told = {
  siteRef: 'S1',
  kind: 'access' as const,
  windowStart: '2026-12-10T08:00:00.000+01:00',
  windowEnd: '2026-12-10T12:00:00.000+01:00',
};
const later = { ...told, windowStart: '2026-12-11T08:00:00.000+01:00', windowEnd: '2026-12-11T12:00:00.000+01:00' };
const heard = (templateKey: string, data: Record<string, unknown> = told) => ({ templateKey, data }) as MessageRow;
const plan = { skip: false as const, sendAt: new Date('2026-12-08T07:00:00Z') };

describe('what the client must be told by email', () => {
  it('nothing heard yet: the first notice, whatever changed; nothing once cancelled', () => {
    expect(wantedNotice({ booked: true, fields: later }, undefined, plan)).toEqual({
      template: 'avis-intervention',
      data: later,
      plan,
    });
    expect(wantedNotice({ booked: false, fields: told }, undefined, plan)).toBeUndefined();
  });

  it('told of the visit: a change is a modification naming what they knew, the same visit nothing', () => {
    expect(wantedNotice({ booked: true, fields: later }, heard('avis-intervention'), plan)).toEqual({
      template: 'modification-intervention',
      data: { ...later, previous: told },
    });
    // The same instants written with another offset are the same visit.
    const utc = { ...told, windowStart: '2026-12-10T07:00:00Z', windowEnd: '2026-12-10T11:00:00Z' };
    expect(sameVisit(told, utc)).toBe(true);
    expect(wantedNotice({ booked: true, fields: utc }, heard('avis-intervention'), plan)).toBeUndefined();
    // What they knew last is the latest modification.
    const modification = heard('modification-intervention', { ...later, previous: told });
    expect(wantedNotice({ booked: true, fields: later }, modification, plan)).toBeUndefined();
    expect(wantedNotice({ booked: true, fields: told }, modification, plan)).toMatchObject({
      template: 'modification-intervention',
      data: { ...told, previous: later },
    });
    expect(
      wantedNotice({ booked: true, fields: { ...told, kind: 'service' } }, heard('avis-intervention'), plan),
    ).toMatchObject({
      template: 'modification-intervention',
    });
  });

  it('told of the visit, then cancelled: a cancellation of the visit as they knew it', () => {
    expect(wantedNotice({ booked: false, fields: later }, heard('avis-intervention'), plan)).toEqual({
      template: 'annulation-intervention',
      data: told,
    });
  });

  it('told of the cancellation: nothing more, unless booked again (a new first notice)', () => {
    expect(wantedNotice({ booked: false, fields: told }, heard('annulation-intervention'), plan)).toBeUndefined();
    expect(wantedNotice({ booked: true, fields: later }, heard('annulation-intervention'), plan)).toMatchObject({
      template: 'avis-intervention',
    });
  });
});

describe('the visits of a day', () => {
  const visits = Array.from({ length: DAY_SMS_MAX + 1 }, (_, i) => ({ id: `v${i}` }) as VisitRow);

  it('the first of each batch carries the reminder naming its batch; the others carry none', () => {
    const batches = reminderBatches(visits);
    expect(batches.get('v0')?.map((v) => v.id)).toEqual(visits.slice(0, DAY_SMS_MAX).map((v) => v.id));
    for (let i = 1; i < DAY_SMS_MAX; i++) expect(batches.get(`v${i}`)).toEqual([]);
    expect(batches.get(`v${DAY_SMS_MAX}`)?.map((v) => v.id)).toEqual([`v${DAY_SMS_MAX}`]);
    expect(reminderBatches([visits[0]!]).get('v0')).toEqual([visits[0]]);
  });
});
