// vanityFiles.ts — the files the vanity page offers: the finished secret key
// (64 hex characters, what `cpc-cli keys import NAME -` reads from stdin) and
// the pending order (secret key, public key, prefix, draft id) that lets a
// customer finish the order in another tab after a reload.
import { bytesToHex, checkSecretKey, hexToBytes, prefixError, pubkeyOf } from './vanity';

export const ORDER_FORMAT = 'cpc-vanity-order';

export interface PendingOrder {
  prefix: string;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  draftId: string;
}

/** The key file: `cpc-cli keys import NAME - < FILE` (src/cli/cmd_keys.c trims the newline). */
export function keyFileText(secretHex: string): string {
  return `${secretHex}\n`;
}

export function pendingOrderText(o: PendingOrder): string {
  return JSON.stringify(
    {
      format: ORDER_FORMAT,
      warning: 'SECRET: whoever has this file owns the address the order delivers',
      draft_id: o.draftId,
      prefix: o.prefix,
      pubkey: bytesToHex(o.publicKey),
      secret_key: bytesToHex(o.secretKey),
    },
    null,
    2,
  ) + '\n';
}

/** A pending-order file back into an order; throws with what is wrong. */
export function parsePendingOrder(text: string): PendingOrder {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('not a pending-order file (not JSON)');
  }
  const o = v as Record<string, unknown>;
  if (!o || typeof o !== 'object' || o.format !== ORDER_FORMAT) throw new Error(`not a pending-order file (format is not "${ORDER_FORMAT}")`);
  if (typeof o.draft_id !== 'string' || !/^[0-9a-f-]{36}$/i.test(o.draft_id)) throw new Error('draft_id: not a draft id');
  if (typeof o.prefix !== 'string' || prefixError(o.prefix)) throw new Error(`prefix: ${typeof o.prefix === 'string' ? prefixError(o.prefix) : 'missing'}`);
  if (typeof o.secret_key !== 'string' || !/^[0-9a-fA-F]{64}$/.test(o.secret_key)) throw new Error('secret_key: 64 hex characters expected');
  const sk = hexToBytes(o.secret_key);
  checkSecretKey(sk);
  const pub = pubkeyOf(sk);
  if (typeof o.pubkey !== 'string' || bytesToHex(pub) !== o.pubkey.toLowerCase()) throw new Error('pubkey: does not belong to secret_key');
  return { prefix: o.prefix, secretKey: sk, publicKey: pub, draftId: o.draft_id };
}
