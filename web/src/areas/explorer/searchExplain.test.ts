import { describe, expect, it } from 'vitest';
import { searchTarget } from '../../lib/search';
import { classifyQuery } from './searchExplain';

const c = (q: string) => classifyQuery(q, searchTarget);

describe('classifyQuery', () => {
  it('passes what the search box places straight to its page', () => {
    expect(c('42')).toEqual({ kind: 'placed', to: '/explorer/block/42' });
    expect(c('a'.repeat(64))).toEqual({ kind: 'placed', to: `/explorer/tx/${'a'.repeat(64)}` });
  });

  it('recognises a task id', () => {
    expect(c(' 0123ABCD-0000-4000-8000-00000000BEEF ')).toEqual({ kind: 'task', id: '0123abcd-0000-4000-8000-00000000beef' });
  });

  it('explains a near miss', () => {
    expect(c('')).toEqual({ kind: 'empty' });
    const bad = c('cpc1bio');
    expect(bad.kind === 'unplaced' && bad.reason).toMatch(/characters an address never has: b i o/);
    const hex = c('abc123');
    expect(hex.kind === 'unplaced' && hex.reason).toMatch(/6 hexadecimal characters; .* exactly 64/);
    const long = c('1234567890123456');
    expect(long.kind === 'unplaced' && long.reason).toMatch(/16 digits/);
    const neg = c('-5');
    expect(neg.kind === 'unplaced' && neg.reason).toMatch(/not a whole, non-negative number/);
    const word = c('hello world');
    expect(word.kind === 'unplaced' && word.reason).toMatch(/none of/);
  });
});
