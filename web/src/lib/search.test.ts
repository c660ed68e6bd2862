import { describe, expect, it } from 'vitest';
import { searchTarget } from './search';

describe('searchTarget', () => {
  it('places heights, addresses and tx hashes', () => {
    expect(searchTarget(' 42 ')).toBe('/explorer/block/42');
    expect(searchTarget('cpc1f5djuhc5h8scdd9e2t8cz4wknnvh5ck3nnaxps')).toBe('/explorer/account/cpc1f5djuhc5h8scdd9e2t8cz4wknnvh5ck3nnaxps');
    const h = 'AB'.repeat(32);
    expect(searchTarget(h)).toBe(`/explorer/tx/${h.toLowerCase()}`);
    expect(searchTarget(`0x${h}`)).toBe(`/explorer/tx/${h.toLowerCase()}`);
  });

  it('returns null for anything else', () => {
    expect(searchTarget('')).toBeNull();
    expect(searchTarget('hello')).toBeNull();
    expect(searchTarget('cpc1b')).toBeNull(); // 'b' is not in the bech32 charset
    expect(searchTarget('ab'.repeat(31))).toBeNull();
  });
});
