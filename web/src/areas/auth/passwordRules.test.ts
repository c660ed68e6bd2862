import { describe, expect, it } from 'vitest';
import { passwordProblem, passwordRules } from './passwordRules';

describe('passwordProblem', () => {
  it('follows the node rules', () => {
    expect(passwordProblem('')).toBe('password must be at least 8 characters');
    expect(passwordProblem('abc1234')).toBe('password must be at least 8 characters');
    expect(passwordProblem('abcdefgh')).toBe('password must contain both letters and digits');
    expect(passwordProblem('12345678')).toBe('password must contain both letters and digits');
    expect(passwordProblem('abcd1234')).toBeNull();
    expect(passwordProblem('x'.repeat(1024) + '1')).toBe('password must be at most 1024 bytes');
  });

  it('counts bytes and non-ASCII letters as the node does', () => {
    // four two-byte letters and a digit: 9 bytes, letters by the >= 0x80 rule
    expect(passwordProblem('éééé1')).toBeNull();
    expect(passwordProblem('é1')).toBe('password must be at least 8 characters');
  });
});

describe('passwordRules', () => {
  it('lists each rule with its state', () => {
    expect(passwordRules('abc')).toEqual([
      { label: 'At least 8 characters', ok: false },
      { label: 'Letters and digits', ok: false },
    ]);
    expect(passwordRules('abcd1234').every((r) => r.ok)).toBe(true);
  });
});
