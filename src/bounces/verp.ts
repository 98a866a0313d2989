import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * VERP (variable envelope return path): each mail goes out with
 * `bounces+<message id>.<signature>@domain` as its envelope sender, so the returned mail names
 * the message in its envelope recipient, however little of the original the remote server
 * quotes. The signature (HMAC-SHA256 of the id under BOUNCE_SIGNING_SECRET, 10 base32
 * characters) is what makes a returned mail believable: message ids appear in API answers,
 * webhooks and the console, and whoever knows one could otherwise send a fake report and get
 * a client's address suppressed.
 */

const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TAG = /^([0-9a-f-]{36})\.([a-z2-7]{10})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** 50 bits: a forger needs about 10^15 tries, each one a mail we would see and count. */
const SIGNATURE_CHARS = 10;

export interface BounceAddress {
  local: string;
  domain: string;
  key: Buffer;
}

export function bounceAddress(address: string, secret: string): BounceAddress {
  const at = address.lastIndexOf('@');
  return {
    local: address.slice(0, at).toLowerCase(),
    domain: address.slice(at + 1).toLowerCase(),
    key: Buffer.from(secret, 'utf8'),
  };
}

// Lower-case base32: local parts are compared case-insensitively by many servers and by us.
function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
  }
  return out;
}

function signatureOf(bounce: BounceAddress, messageId: string): string {
  return base32(createHmac('sha256', bounce.key).update(`jalon-bounce:${messageId}`).digest(), SIGNATURE_CHARS);
}

/** The envelope sender of one message. */
export function returnPathFor(bounce: BounceAddress, messageId: string): string {
  return `${bounce.local}+${messageId}.${signatureOf(bounce, messageId)}@${bounce.domain}`;
}

export type ReturnPath =
  | { ours: false }
  /** The bounce address itself (feedback loops registered with it): says nothing of a message. */
  | { ours: true; tag: 'none' }
  | { ours: true; tag: 'signed'; messageId: string }
  /**
   * A tag without a valid signature. Unsigned tags (`bounces+<id>@…`) are refused as well: the
   * service was first deployed with signed ones, so no genuine report can carry an unsigned tag,
   * and taking them would leave the forgery open.
   */
  | { ours: true; tag: 'forged' };

/** Reads an address as one of ours, checking the tag's signature in constant time. */
export function readReturnPath(bounce: BounceAddress, recipient: string): ReturnPath {
  const address = recipient
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .toLowerCase();
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1) !== bounce.domain) return { ours: false };
  const local = address.slice(0, at);
  if (local === bounce.local) return { ours: true, tag: 'none' };
  if (!local.startsWith(`${bounce.local}+`)) return { ours: false };
  const match = TAG.exec(local.slice(bounce.local.length + 1));
  if (!match || !MESSAGE_ID.test(match[1]!)) return { ours: true, tag: 'forged' };
  const expected = Buffer.from(signatureOf(bounce, match[1]!));
  const given = Buffer.from(match[2]!);
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ours: true, tag: 'signed', messageId: match[1]! }
    : { ours: true, tag: 'forged' };
}
