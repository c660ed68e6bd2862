// workerKey.ts — binding a cpc-worker to a server from the browser.
//
// The node binds a worker to a server only with the worker key's signature
// over SHA-256("cpc-server-bind" ‖ server id ‖ owner's user id in decimal)
// (docs/api.md, "Binding a cpc-worker"), exactly what `cpc-cli server add
// --worker-key` signs. The provider picks the worker's keyring file
// (HOME/keyring/NAME.json); it is read and used here, in the page, and never
// sent anywhere: only the address, the public key and the signature go to the
// node. An encrypted key (argon2id + XChaCha20-Poly1305) cannot be opened
// here; the page says so and points to cpc-cli.
import { secp256k1 } from '@noble/curves/secp256k1';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import type { WorkerBinding } from './types';

/** A worker key read from its keyring file; `seckey` stays in memory only. */
export interface WorkerKey {
  name: string;
  address: string;
  pubkey: string;
  seckey: Uint8Array;
}

export class WorkerKeyError extends Error {}

const HEX = /^[0-9a-f]+$/i;

/** Parse a plain keyring file ({"name","address","pubkey","encrypted":false,"seckey"}) and
 * check that its secret key gives its public key. Throws WorkerKeyError with a message for the form. */
export function parseWorkerKey(text: string): WorkerKey {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new WorkerKeyError('this is not a keyring file (JSON) of cpc-worker');
  }
  if (!j || typeof j !== 'object') throw new WorkerKeyError('this is not a keyring file (JSON) of cpc-worker');
  const o = j as Record<string, unknown>;
  const { name, address, pubkey, encrypted, seckey } = o;
  if (typeof name !== 'string' || typeof address !== 'string' || typeof pubkey !== 'string' || typeof encrypted !== 'boolean')
    throw new WorkerKeyError('the key file lacks name, address, pubkey or encrypted');
  if (encrypted)
    throw new WorkerKeyError(
      `key "${name}" is encrypted and cannot be opened in the browser: bind it with cpc-cli server add --worker-key ${name}`,
    );
  if (typeof seckey !== 'string' || seckey.length !== 64 || !HEX.test(seckey))
    throw new WorkerKeyError('the key file\'s seckey must be 64 hex characters');
  if (pubkey.length !== 66 || !HEX.test(pubkey)) throw new WorkerKeyError('the key file\'s pubkey must be 66 hex characters');
  if (!/^cpc1[02-9ac-hj-np-z]{6,90}$/.test(address)) throw new WorkerKeyError('the key file\'s address is not a cpc1 address');
  const sk = hexToBytes(seckey);
  let derived: string;
  try {
    derived = bytesToHex(secp256k1.getPublicKey(sk, true));
  } catch {
    throw new WorkerKeyError('the key file\'s seckey is not a valid secp256k1 key');
  }
  if (derived !== pubkey.toLowerCase()) throw new WorkerKeyError('the key file\'s seckey does not match its pubkey');
  return { name, address, pubkey: derived, seckey: sk };
}

/** The digest a binding signs: SHA-256("cpc-server-bind" ‖ serverId ‖ decimal ownerId). */
export function bindingDigest(serverId: string, ownerId: number): Uint8Array {
  return sha256(utf8ToBytes(`cpc-server-bind${serverId}${ownerId}`));
}

/** The `worker` value of PUT /provider/servers/{id}: a compact low-S signature (128 hex). */
export function signBinding(key: WorkerKey, serverId: string, ownerId: number): WorkerBinding {
  const sig = secp256k1.sign(bindingDigest(serverId, ownerId), key.seckey, { lowS: true });
  return { address: key.address, pubkey: key.pubkey, signature: sig.toCompactHex() };
}
