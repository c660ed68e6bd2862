import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { fieldOf } from './fieldOf';

describe('fieldOf', () => {
  it('names the field of a known code', () => {
    try {
      fieldOf(new ApiError(400, 'weak_password', 'password must be at least 8 characters'), { weak_password: 'new_password' });
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).field).toBe('new_password');
      expect((e as ApiError).message).toBe('password must be at least 8 characters');
    }
    expect.assertions(3);
  });

  it('passes other errors through', () => {
    const other = new ApiError(429, 'rate_limited', 'slow down');
    expect(() => fieldOf(other, { weak_password: 'x' })).toThrow(other);
    const plain = new Error('network');
    expect(() => fieldOf(plain, { weak_password: 'x' })).toThrow(plain);
  });
});
