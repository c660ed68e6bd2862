// signInSteps.ts — the sign-in form as a small state machine. POST /auth/login
// signals a 2FA account with 401 totp_required once the password is right; the
// form then asks for the authenticator code and sends it with the same email
// and password. Everything here is pure, so it is tested without a browser.

export type SignInStep = 'credentials' | 'totp' | 'done';

export interface SignInState {
  step: SignInStep;
  busy: boolean;
  /** an error shown next to one field */
  fieldErrors: Partial<Record<'email' | 'password' | 'totp', string>>;
  /** an error about the whole form */
  formError?: string;
  /** the account exists but its email is not confirmed yet: offer the verify page */
  needsVerification: boolean;
}

export type SignInEvent =
  | { type: 'submit' }
  | { type: 'failed'; code: string; message: string }
  | { type: 'succeeded' }
  /** leave the code step to change the email or password */
  | { type: 'back' };

export const initialSignIn: SignInState = {
  step: 'credentials',
  busy: false,
  fieldErrors: {},
  needsVerification: false,
};

/** The next state of the form after `e`. */
export function signInReducer(s: SignInState, e: SignInEvent): SignInState {
  switch (e.type) {
    case 'submit':
      return { ...s, busy: true, fieldErrors: {}, formError: undefined, needsVerification: false };
    case 'succeeded':
      return { ...s, step: 'done', busy: false, fieldErrors: {}, formError: undefined };
    case 'back':
      return { ...initialSignIn };
    case 'failed':
      return { ...failure(s, e.code, e.message), busy: false };
  }
}

function failure(s: SignInState, code: string, message: string): SignInState {
  const base = { ...s, fieldErrors: {}, formError: undefined, needsVerification: false };
  switch (code) {
    case 'totp_required':
      // the password was right: ask for the code, nothing went wrong yet
      return { ...base, step: 'totp' };
    case 'invalid_totp':
      return { ...base, step: 'totp', fieldErrors: { totp: 'Wrong, reused or spent code. Wait for the next code and try again.' } };
    case 'invalid_credentials':
      // the password is checked before the code, so this is always the first step
      return { ...base, step: 'credentials', formError: 'Wrong email or password.' };
    case 'email_not_verified':
      return { ...base, step: 'credentials', needsVerification: true, formError: 'Confirm your email address before signing in.' };
    case 'invalid_email':
      return { ...base, step: 'credentials', fieldErrors: { email: message } };
    default:
      // account_locked, account_blocked, rate_limited, network errors: the node's words
      return { ...base, formError: message };
  }
}

/** The body of POST /auth/login for the current step. */
export function loginBody(step: SignInStep, f: { email: string; password: string; rememberMe: boolean; totp: string }) {
  return {
    email: f.email.trim(),
    password: f.password,
    remember_me: f.rememberMe,
    ...(step === 'totp' ? { totp: f.totp.replace(/\s+/g, '') } : {}),
  };
}
