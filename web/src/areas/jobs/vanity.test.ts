// The browser's vanity-address math must agree with the C implementation
// (src/core/keys.c, bech32.c, kind_vanity.c). The vectors were printed by the
// real code: cpc_pubkey_address for the key's own address, and
// cpc_vanity_search / cpc_vanity_address (the reference executor) for x and
// the address of P + x·G. `cpc-cli keys import NAME -` + `keys show` gave the
// same addresses for the first three keys, and for FULL_KEY (sk + x of the
// first vector) the address P + x·G gave: the key file format imports too.
import { describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1';
import {
  addressOfPubkey, addressOfSecretKey, bytesToHex, combineKeys, completeVanity, expectedTries, generateKeyPair,
  hasVanityPrefix, hexToBytes, prefixError, pubkeyOf, vanityAddress,
} from './vanity';
import { keyFileText, parsePendingOrder, pendingOrderText } from './vanityFiles';

const VECTORS = [
  { sk: '1100000000000000000000000000000000000000000000000000000000000007', pub: '025345693f0f7a41f1e99bd36cd3f8a563be20fe130bcdd8f0cecb3ce4ce478a57', address: 'cpc1l9y6eq0amutq8yhvuuhwrp68shg9r297c5p94e', prefix: 'q', x: '0500000000000000000000000000000000000000000000000000000000000001', vanity: 'cpc1qp8wsg4k7drsdlcyhrll7yt8twf4svey0l4dgj' },
  { sk: '2200000000000000000000000000000000000000000000000000000000000008', pub: '0334409d7459fa43a0dfdc20300b044fe2a4a797039fae3192b27dad6d5b6dc34b', address: 'cpc16ghdlwwlexg8pgu77mm7qfn58r6edyvlha3yck', prefix: 'x', x: '0500000000000000000000000000000000000000000000000000000000000048', vanity: 'cpc1x5zpjml4qqtmpywy7jlqc6m3mnct6tc3qlrhxq' },
  { sk: '3300000000000000000000000000000000000000000000000000000000000009', pub: '03fb0bec07b0d3a4f76c78d3c4c57016672434c9943bfdcfbe847121f4a60d7da7', address: 'cpc1wvpyg57g8fvu4t8x6xfkz2ar06uhz7h2jzjfz4', prefix: 'cp', x: '050000000000000000000000000000000000000000000000000000000000007a', vanity: 'cpc1cp2xd4nv3m5937j4e7wu9hunk3jte404ucef5z' },
  { sk: '440000000000000000000000000000000000000000000000000000000000000a', pub: '02a2d7b98803146389b953a82bffe72ba86f08d78de7c1a3af954923a2945f154f', address: 'cpc10jpltyhxgv0tk3a0kfhp7gyw4r7jrdh694z825', prefix: '0', x: '050000000000000000000000000000000000000000000000000000000000002a', vanity: 'cpc10jufjpaup72cfyvwrsguleyzxqftn222qcmkh4' },
  { sk: '550000000000000000000000000000000000000000000000000000000000000b', pub: '02365dc6dc034c04bd51e88f131850becf25dd043cf7c59a6e1d9d2a2fde17b9cf', address: 'cpc13lg8qdatka3sw3kqvc002lgt34hkwfegayddu9', prefix: 'l', x: '050000000000000000000000000000000000000000000000000000000000001b', vanity: 'cpc1l5rxjc5pp85hmrtq74wz7xe83krcetygad2x2t' },
];

const FULL_KEY = '1600000000000000000000000000000000000000000000000000000000000008';

const N = secp256k1.CURVE.n;
const hex32 = (k: bigint) => k.toString(16).padStart(64, '0');

describe('address derivation matches the C code', () => {
  it.each(VECTORS)('key $sk', (v) => {
    const sk = hexToBytes(v.sk);
    expect(bytesToHex(pubkeyOf(sk))).toBe(v.pub);
    expect(addressOfPubkey(hexToBytes(v.pub))).toBe(v.address);
    expect(addressOfSecretKey(sk)).toBe(v.address);
  });

  it.each(VECTORS)('P + x·G for prefix $prefix', (v) => {
    expect(vanityAddress(hexToBytes(v.pub), hexToBytes(v.x))).toBe(v.vanity);
    expect(hasVanityPrefix(v.vanity, v.prefix)).toBe(true);
  });

  it('rejects what is not a compressed public key', () => {
    expect(() => addressOfPubkey(new Uint8Array(33))).toThrow(/compressed/);
    expect(() => addressOfPubkey(hexToBytes('04' + '11'.repeat(32)))).toThrow();
  });
});

describe('sk + x (mod n)', () => {
  it.each(VECTORS)('the combined key owns the address the worker found ($prefix)', (v) => {
    const full = combineKeys(hexToBytes(v.sk), hexToBytes(v.x));
    expect(addressOfSecretKey(full)).toBe(v.vanity);
    const out = completeVanity(hexToBytes(v.sk), hexToBytes(v.x), v.prefix);
    expect(out.address).toBe(v.vanity);
    expect(bytesToHex(out.secretKey)).toBe(bytesToHex(full));
  });

  it('gives the key cpc-cli imports as the vanity address', () => {
    expect(bytesToHex(combineKeys(hexToBytes(VECTORS[0].sk), hexToBytes(VECTORS[0].x)))).toBe(FULL_KEY);
    expect(addressOfSecretKey(hexToBytes(FULL_KEY))).toBe(VECTORS[0].vanity);
  });

  it('wraps around the curve order', () => {
    const sk = hexToBytes(hex32(N - 1n));
    const x = hexToBytes(hex32(5n));
    expect(bytesToHex(combineKeys(sk, x))).toBe(hex32(4n));
  });

  it('refuses x = 0 (it would give back the customer’s own address)', () => {
    expect(() => combineKeys(hexToBytes(VECTORS[0].sk), new Uint8Array(32))).toThrow(/zero/);
    expect(() => vanityAddress(hexToBytes(VECTORS[0].pub), new Uint8Array(32))).toThrow(/zero/);
  });

  it('refuses x ≥ n, a sum of zero and bad secret keys', () => {
    expect(() => combineKeys(hexToBytes(VECTORS[0].sk), hexToBytes(hex32(N)))).toThrow(/order/);
    expect(() => combineKeys(hexToBytes(hex32(N - 5n)), hexToBytes(hex32(5n)))).toThrow(/zero/);
    expect(() => combineKeys(new Uint8Array(32), hexToBytes(hex32(5n)))).toThrow(/secret key/);
    expect(() => combineKeys(hexToBytes(hex32(N)), hexToBytes(hex32(5n)))).toThrow(/secret key/);
  });

  it('refuses a result without the prefix', () => {
    const v = VECTORS[0];
    expect(() => completeVanity(hexToBytes(v.sk), hexToBytes(v.x), 'x')).toThrow(/does not start with cpc1x/);
  });
});

describe('prefix validation (cpc_vanity_check_prefix)', () => {
  it('takes 1 to 8 characters of the bech32 charset', () => {
    for (const p of ['q', 'cpc', 'l0ve', 'qpzry9x8', 'ac7']) expect(prefixError(p)).toBeNull();
  });
  it('refuses empty, too long and characters outside the charset', () => {
    expect(prefixError('')).toMatch(/1 to 8/);
    expect(prefixError('qpzry9x8g')).toMatch(/At most 8/);
    for (const [p, at] of [['b', 1], ['1', 1], ['qi', 2], ['qo', 2], ['zzzzzzz ', 8]] as const)
      expect(prefixError(p)).toMatch(new RegExp(`^Character ${at} `));
    expect(prefixError('Q')).toMatch(/lower case/);
  });
  it('says how much work a prefix is', () => {
    expect(expectedTries('q')).toBe(32n);
    expect(expectedTries('abc'.replace('b', 'c'))).toBe(32768n);
  });
});

describe('key pairs and files', () => {
  it('makes keys from the random source and rejects out-of-range draws', () => {
    const draws = [new Uint8Array(32), new Uint8Array(32).fill(0xff), hexToBytes(VECTORS[1].sk)];
    const kp = generateKeyPair((b) => {
      b.set(draws.shift()!);
      return b;
    });
    expect(bytesToHex(kp.secretKey)).toBe(VECTORS[1].sk);
    expect(bytesToHex(kp.publicKey)).toBe(VECTORS[1].pub);
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(bytesToHex(a.secretKey)).not.toBe(bytesToHex(b.secretKey));
  });

  it('writes the key as cpc-cli keys import reads it', () => {
    expect(keyFileText(VECTORS[0].sk)).toBe(`${VECTORS[0].sk}\n`);
  });

  it('reads back a pending order and checks the key pair', () => {
    const v = VECTORS[2];
    const order = { prefix: v.prefix, secretKey: hexToBytes(v.sk), publicKey: hexToBytes(v.pub), draftId: '0b6f5c3e-1d2a-4c5b-8e9f-0a1b2c3d4e5f' };
    const back = parsePendingOrder(pendingOrderText(order));
    expect(bytesToHex(back.secretKey)).toBe(v.sk);
    expect(back.draftId).toBe(order.draftId);
    const tampered = JSON.parse(pendingOrderText(order));
    tampered.pubkey = VECTORS[0].pub;
    expect(() => parsePendingOrder(JSON.stringify(tampered))).toThrow(/does not belong/);
    expect(() => parsePendingOrder('{}')).toThrow(/format/);
  });
});
