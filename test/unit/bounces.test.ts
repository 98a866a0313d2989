import { describe, expect, it } from 'vitest';
import { MalformedMail } from '../../src/bounces/mime.js';
import { parseReport } from '../../src/bounces/parse.js';
import { bounceAddress, readReturnPath, returnPathFor } from '../../src/bounces/verp.js';
import { bounceFrom } from '../helpers/bounces.js';

const ID = '0b6f3c8e-3d1a-4c55-9a51-6a2f0e7d9b10';
const values = {
  returnPath: `bounces+${ID}@operateur.example`,
  recipient: 'jean.martin@client.example',
  messageId: ID,
};

describe('reading returned mail', () => {
  it.each([
    ['postfix-user-unknown', 'hard', '5.1.1'],
    ['exchange-online-rejected', 'hard', '5.1.10'],
    ['gmail-no-such-user', 'hard', '5.1.1'],
    ['postfix-mailbox-full', 'soft', '4.2.2'],
  ])('%s: one %s verdict with its status, the recipient and the original message', (name, verdict, status) => {
    const report = parseReport(bounceFrom(name, values));
    expect(report).toMatchObject({
      kind: 'dsn',
      recipients: [{ recipient: values.recipient, verdict, status }],
      original: { jalonId: ID, messageId: `<${ID}@operateur.example>` },
    });
  });

  it('reads the same report with bare line feeds', () => {
    const report = parseReport(bounceFrom('gmail-no-such-user', values).replace(/\r\n/g, '\n'));
    expect(report.kind).toBe('dsn');
  });

  it('reads a feedback report as a complaint about the original recipient', () => {
    expect(parseReport(bounceFrom('arf-abuse', values))).toMatchObject({
      kind: 'complaint',
      feedbackType: 'abuse',
      recipient: values.recipient,
      original: { jalonId: ID },
    });
  });

  it('keeps an auto-reply as unknown, and a delayed notice as no failure', () => {
    expect(parseReport(bounceFrom('vacation-reply', values)).kind).toBe('unknown');
    const delayed = bounceFrom('postfix-mailbox-full', values).replace('Action: failed', 'Action: delayed');
    expect(parseReport(delayed)).toMatchObject({ kind: 'dsn', recipients: [{ verdict: 'delayed' }] });
    const relayed = bounceFrom('postfix-mailbox-full', values).replace('Action: failed', 'Action: relayed');
    expect(parseReport(relayed).kind).toBe('unknown');
  });

  it('refuses what is not a mail', () => {
    expect(() => parseReport('just some words\r\nand more')).toThrow(MalformedMail);
    expect(() => parseReport(Buffer.from([0x46, 0x72, 0x6f, 0x6d, 0x3a, 0x20, 0x00, 0x0d, 0x0a]))).toThrow(
      MalformedMail,
    );
  });
});

describe('return paths', () => {
  const bounce = bounceAddress('bounces@operateur.example', 'a-signing-secret-of-32-characters!');
  it('tags the bounce address with the message id and its signature, and reads it back', () => {
    const address = returnPathFor(bounce, ID);
    expect(address).toMatch(new RegExp(`^bounces\\+${ID}\\.[a-z2-7]{10}@operateur\\.example$`));
    expect(readReturnPath(bounce, address.toUpperCase())).toEqual({ ours: true, tag: 'signed', messageId: ID });
    expect(readReturnPath(bounce, `<${address}>`)).toMatchObject({ tag: 'signed' });
    expect(readReturnPath(bounce, 'bounces@operateur.example')).toEqual({ ours: true, tag: 'none' });
    expect(readReturnPath(bounce, `other+${ID}@operateur.example`).ours).toBe(false);
    expect(readReturnPath(bounce, `bounces+${ID}@elsewhere.example`).ours).toBe(false);
  });

  it('takes a tag without its signature, or with another one, for a forgery', () => {
    const address = returnPathFor(bounce, ID);
    const signature = address.slice(address.indexOf('.') + 1, address.indexOf('@'));
    const other = bounceAddress('bounces@operateur.example', 'another-secret-of-32-characters!!');
    const wrong = signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    for (const forged of [
      `bounces+${ID}@operateur.example`,
      `bounces+${ID}.${wrong}@operateur.example`,
      `bounces+${ID}.${signature.slice(0, 9)}@operateur.example`,
      returnPathFor(other, ID),
      'bounces+nothing@operateur.example',
    ]) {
      expect(readReturnPath(bounce, forged), forged).toEqual({ ours: true, tag: 'forged' });
    }
  });
});
