import { describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { bindingDigest, parseWorkerKey, signBinding, WorkerKeyError } from './workerKey';

const seckey = '11'.repeat(32);
const pubkey = bytesToHex(secp256k1.getPublicKey(seckey, true));
const address = 'cpc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq';
const plain = JSON.stringify({ name: 'worker', address, pubkey, encrypted: false, seckey });

describe('parseWorkerKey', () => {
  it('reads a plain keyring file', () => {
    const k = parseWorkerKey(plain);
    expect(k.name).toBe('worker');
    expect(k.pubkey).toBe(pubkey);
    expect(bytesToHex(k.seckey)).toBe(seckey);
  });
  it('refuses an encrypted key with a way out', () => {
    const enc = JSON.stringify({ name: 'w2', address, pubkey, encrypted: true, kdf: {}, ciphertext: '00' });
    expect(() => parseWorkerKey(enc)).toThrow(/encrypted.*cpc-cli server add --worker-key w2/);
  });
  it('refuses a mismatched pair, bad hex and non-JSON', () => {
    const other = JSON.stringify({ name: 'worker', address, pubkey, encrypted: false, seckey: '22'.repeat(32) });
    expect(() => parseWorkerKey(other)).toThrow(/does not match/);
    expect(() => parseWorkerKey(JSON.stringify({ name: 'w', address, pubkey, encrypted: false, seckey: 'zz' }))).toThrow(WorkerKeyError);
    expect(() => parseWorkerKey('not json')).toThrow(/not a keyring file/);
    expect(() => parseWorkerKey(JSON.stringify({ name: 'w', address: 'x', pubkey, encrypted: false, seckey }))).toThrow(/address/);
  });
});

describe('signBinding', () => {
  it('signs SHA-256("cpc-server-bind" ‖ id ‖ owner id) low-S, verifiable by the pubkey', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const b = signBinding(parseWorkerKey(plain), id, 42);
    expect(b.address).toBe(address);
    expect(b.pubkey).toBe(pubkey);
    expect(b.signature).toMatch(/^[0-9a-f]{128}$/);
    const digest = sha256(utf8ToBytes(`cpc-server-bind${id}42`));
    expect(bytesToHex(bindingDigest(id, 42))).toBe(bytesToHex(digest));
    const sig = secp256k1.Signature.fromCompact(b.signature);
    expect(sig.hasHighS()).toBe(false);
    expect(secp256k1.verify(hexToBytes(b.signature), digest, hexToBytes(pubkey))).toBe(true);
    expect(secp256k1.verify(hexToBytes(b.signature), bindingDigest(id, 43), hexToBytes(pubkey))).toBe(false);
  });
});
