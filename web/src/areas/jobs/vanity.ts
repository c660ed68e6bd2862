// vanity.ts — the browser's half of a split-key vanity address (src/core/kind_vanity.c).
//
// The customer's secret key sk never leaves the browser: the job carries only
// P = sk·G and the prefix; a worker finds x with address(P + x·G) starting
// with "cpc1" + prefix, and the full key is sk' = sk + x (mod n).
// Addresses are as src/core/keys.c and bech32.c make them: hash160 =
// RIPEMD160(SHA256(33-byte compressed pubkey)), its 20 bytes regrouped into
// 32 five-bit words and encoded as BIP-173 bech32 (not bech32m) with the
// human-readable part "cpc", no witness version.
import { secp256k1 } from '@noble/curves/secp256k1';
import { sha256 } from '@noble/hashes/sha2';
import { ripemd160 } from '@noble/hashes/legacy';
import { bech32 } from '@scure/base';

import { ADDRESS_HRP } from './vanityPrefix';

export { ADDRESS_HRP, BECH32_CHARSET, VANITY_MAX_PREFIX, expectedTries, prefixError } from './vanityPrefix';

const N = secp256k1.CURVE.n;

export function bytesToHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function hexToBytes(hex: string): Uint8Array {
  const h = hex.trim().toLowerCase();
  if (h.length % 2 !== 0 || !/^[0-9a-f]*$/.test(h)) throw new Error('not a hex string');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toScalar(b: Uint8Array): bigint {
  return BigInt('0x' + (bytesToHex(b) || '0'));
}

function fromScalar(k: bigint): Uint8Array {
  return hexToBytes(k.toString(16).padStart(64, '0'));
}

/** The address of a 33-byte compressed public key. */
export function addressOfPubkey(pub: Uint8Array): string {
  if (pub.length !== 33 || (pub[0] !== 2 && pub[0] !== 3)) throw new Error('expected a 33-byte compressed public key');
  const h = ripemd160(sha256(pub));
  return bech32.encode(ADDRESS_HRP, bech32.toWords(h));
}

/** 1 ≤ sk < n as 32 bytes, else an Error. */
export function checkSecretKey(sk: Uint8Array): bigint {
  if (sk.length !== 32) throw new Error('a secret key is 32 bytes');
  const k = toScalar(sk);
  if (k === 0n || k >= N) throw new Error('not a valid secp256k1 secret key');
  return k;
}

export function pubkeyOf(sk: Uint8Array): Uint8Array {
  checkSecretKey(sk);
  return secp256k1.getPublicKey(sk, true);
}

export function addressOfSecretKey(sk: Uint8Array): string {
  return addressOfPubkey(pubkeyOf(sk));
}

/** A fresh key pair from crypto.getRandomValues (rejection sampling into 1..n-1). */
export function generateKeyPair(random: (b: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
} {
  for (;;) {
    const sk = random(new Uint8Array(32));
    const k = toScalar(sk);
    if (k > 0n && k < N) return { secretKey: sk, publicKey: secp256k1.getPublicKey(sk, true) };
  }
}

/** The address a worker's partial key x gives: address(P + x·G), as cpc_vanity_address does.
 * x must be 1..n-1 (x = 0 would hand back the customer's own address). */
export function vanityAddress(customerPub: Uint8Array, partial: Uint8Array): string {
  const x = checkPartial(partial);
  const P = secp256k1.ProjectivePoint.fromHex(customerPub);
  const Q = P.add(secp256k1.ProjectivePoint.BASE.multiply(x));
  if (Q.equals(secp256k1.ProjectivePoint.ZERO)) throw new Error('the partial key gives the point at infinity');
  return addressOfPubkey(Q.toRawBytes(true));
}

function checkPartial(partial: Uint8Array): bigint {
  if (partial.length !== 32) throw new Error('the partial key must be 32 bytes');
  const x = toScalar(partial);
  if (x === 0n) throw new Error('the partial key is zero: it would give back your own address');
  if (x >= N) throw new Error('the partial key is not below the curve order');
  return x;
}

/** The full secret key sk' = sk + x (mod n); throws for x = 0, x ≥ n or a sum of 0. */
export function combineKeys(sk: Uint8Array, partial: Uint8Array): Uint8Array {
  const k = checkSecretKey(sk);
  const x = checkPartial(partial);
  const s = (k + x) % N;
  if (s === 0n) throw new Error('sk + x is zero: not a key');
  return fromScalar(s);
}

/** true when the address starts with "cpc1" + prefix (cpc_vanity_verify's test). */
export function hasVanityPrefix(address: string, prefix: string): boolean {
  return address.startsWith(`${ADDRESS_HRP}1${prefix}`);
}

export interface VanityOutcome {
  secretKey: Uint8Array;
  address: string;
}

/** From the worker's x to the customer's key: combine, derive, and check that the
 * key's own address is the one P + x·G gives and that it carries the prefix. */
export function completeVanity(sk: Uint8Array, partial: Uint8Array, prefix: string): VanityOutcome {
  const full = combineKeys(sk, partial);
  const address = addressOfSecretKey(full);
  const fromPub = vanityAddress(pubkeyOf(sk), partial);
  if (address !== fromPub) throw new Error('the combined key does not match the worker’s result');
  if (!hasVanityPrefix(address, prefix)) throw new Error(`address ${address} does not start with ${ADDRESS_HRP}1${prefix}`);
  return { secretKey: full, address };
}
