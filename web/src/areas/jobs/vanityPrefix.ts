// vanityPrefix.ts — which prefixes a vanity job may ask for (cpc_vanity_check_prefix,
// src/core/kind_vanity.c), without the curve code, so forms can check a prefix cheaply.

export const ADDRESS_HRP = 'cpc';
/** CPC_VANITY_MAX_PREFIX (src/core/kinds.h) */
export const VANITY_MAX_PREFIX = 8;
/** the bech32 data charset, the only characters an address has after "cpc1" */
export const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Why a prefix cannot be ordered (as cpc_vanity_check_prefix says it), or null when it can. */
export function prefixError(prefix: string): string | null {
  if (prefix.length === 0) return 'Type 1 to 8 characters.';
  if (prefix.length > VANITY_MAX_PREFIX) return `At most ${VANITY_MAX_PREFIX} characters.`;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i];
    if (!BECH32_CHARSET.includes(ch)) {
      const hint = ch !== ch.toLowerCase() && BECH32_CHARSET.includes(ch.toLowerCase()) ? ' (addresses are lower case)' : '';
      return `Character ${i + 1} "${ch}" is not in the bech32 charset ${BECH32_CHARSET}${hint}.`;
    }
  }
  return null;
}

/** Expected number of addresses a worker tries for a prefix: 32^length. */
export function expectedTries(prefix: string): bigint {
  return 32n ** BigInt(prefix.length);
}

