import { describe, expect, it } from 'vitest';
import { initialSignIn, loginBody, signInReducer, type SignInEvent, type SignInState } from './signInSteps';

const run = (events: SignInEvent[], from: SignInState = initialSignIn) => events.reduce(signInReducer, from);

describe('signInReducer', () => {
  it('goes to the code step on totp_required, without an error', () => {
    const s = run([{ type: 'submit' }, { type: 'failed', code: 'totp_required', message: 'x' }]);
    expect(s.step).toBe('totp');
    expect(s.busy).toBe(false);
    expect(s.formError).toBeUndefined();
    expect(s.fieldErrors).toEqual({});
  });

  it('keeps the code step and marks the field on invalid_totp', () => {
    const s = run([
      { type: 'submit' },
      { type: 'failed', code: 'totp_required', message: '' },
      { type: 'submit' },
      { type: 'failed', code: 'invalid_totp', message: 'wrong' },
    ]);
    expect(s.step).toBe('totp');
    expect(s.fieldErrors.totp).toMatch(/Wrong/);
  });

  it('reports wrong credentials on the first step', () => {
    const s = run([{ type: 'submit' }, { type: 'failed', code: 'invalid_credentials', message: 'nope' }]);
    expect(s.step).toBe('credentials');
    expect(s.formError).toBe('Wrong email or password.');
  });

  it('offers the verify page to an unconfirmed account', () => {
    const s = run([{ type: 'submit' }, { type: 'failed', code: 'email_not_verified', message: '' }]);
    expect(s.needsVerification).toBe(true);
    const again = signInReducer(s, { type: 'submit' });
    expect(again.needsVerification).toBe(false);
    expect(again.busy).toBe(true);
  });

  it("shows the node's words for locks and limits, keeping the step", () => {
    const s = run([
      { type: 'submit' },
      { type: 'failed', code: 'totp_required', message: '' },
      { type: 'submit' },
      { type: 'failed', code: 'account_locked', message: 'account locked until 2026-12-06T17:00:00Z' },
    ]);
    expect(s.step).toBe('totp');
    expect(s.formError).toBe('account locked until 2026-12-06T17:00:00Z');
  });

  it('puts an invalid email next to its field', () => {
    const s = run([{ type: 'submit' }, { type: 'failed', code: 'invalid_email', message: 'email is not valid' }]);
    expect(s.fieldErrors.email).toBe('email is not valid');
  });

  it('finishes on success and starts over on back', () => {
    expect(run([{ type: 'submit' }, { type: 'succeeded' }]).step).toBe('done');
    const back = run([{ type: 'submit' }, { type: 'failed', code: 'totp_required', message: '' }, { type: 'back' }]);
    expect(back).toEqual(initialSignIn);
  });
});

describe('loginBody', () => {
  const f = { email: ' a@b.c ', password: 'pw', rememberMe: true, totp: '123 456' };
  it('sends the code only on the code step', () => {
    expect(loginBody('credentials', f)).toEqual({ email: 'a@b.c', password: 'pw', remember_me: true });
    expect(loginBody('totp', f)).toEqual({ email: 'a@b.c', password: 'pw', remember_me: true, totp: '123456' });
  });
});
