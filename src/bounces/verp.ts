/**
 * VERP (variable envelope return path): each mail goes out with `bounces+<message id>@domain`
 * as its envelope sender, so the returned mail names the message in its envelope recipient,
 * however little of the original the remote server quotes.
 */

const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface BounceAddress {
  local: string;
  domain: string;
}

export function bounceAddress(address: string): BounceAddress {
  const at = address.lastIndexOf('@');
  return { local: address.slice(0, at).toLowerCase(), domain: address.slice(at + 1).toLowerCase() };
}

/** The envelope sender of one message. */
export function returnPathFor(bounce: BounceAddress, messageId: string): string {
  return `${bounce.local}+${messageId}@${bounce.domain}`;
}

/**
 * Whether an envelope recipient is ours: the bounce address itself (feedback loops registered
 * with it) or one of its tagged forms. `messageId` is the tag when it is a message id.
 */
export function readReturnPath(
  bounce: BounceAddress,
  recipient: string,
): { ours: boolean; messageId?: string | undefined } {
  const address = recipient.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1) !== bounce.domain) return { ours: false };
  const local = address.slice(0, at);
  if (local === bounce.local) return { ours: true };
  if (!local.startsWith(`${bounce.local}+`)) return { ours: false };
  const tag = local.slice(bounce.local.length + 1);
  return { ours: true, messageId: MESSAGE_ID.test(tag) ? tag : undefined };
}
