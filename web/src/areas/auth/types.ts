// types.ts — the answers of the account routes (docs/api.md, "Accounts (platform)").
import type { LoginAnswer, Role } from '../../api/session';

export interface RegisterAnswer {
  id: number;
  email: string;
  email_verified: boolean;
  next: string;
}

export interface LoginTokens extends LoginAnswer {
  token_type: 'Bearer';
  refresh_expires_in: number;
}

/** POST /auth/login's body: `totp` only on the second step of a 2FA account. */
export interface LoginRequest {
  email: string;
  password: string;
  remember_me?: boolean;
  totp?: string;
}

export interface StatusAnswer {
  status: string;
}

export interface PasswordResetAnswer {
  password_reset: boolean;
  sessions_revoked: number;
}

export interface TotpSetupAnswer {
  secret: string;
  otpauth_uri: string;
  next: string;
}

export interface TotpEnableAnswer {
  enabled: true;
  recovery_codes: string[];
  note: string;
}

export interface LoginAttempt {
  ip: string;
  ms: number;
  time: string;
  user_agent: string;
  success: boolean;
}

export interface LoginHistory {
  attempts: LoginAttempt[];
  limit: number;
  offset: number;
}

export type ApiKeyScope = 'read' | 'jobs' | 'account' | 'dc';

export interface ApiKey {
  id: number;
  name: string;
  /** the first characters of the key, enough to recognise it */
  prefix: string;
  scopes: ApiKeyScope[];
  ip_whitelist: string[];
  rate_per_min: number;
  created_ms: number;
  created_at: string;
}

/** POST /api-keys's answer: the only time `key` (the secret) is shown. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface ApiKeyRequest {
  name: string;
  scopes: ApiKeyScope[];
  ip_whitelist?: string[];
  rate_per_min?: number;
}

export interface ProfileAnswer {
  id: number;
  display_name: string;
  roles: Role[];
}

export type KycStatus = 'none' | 'pending' | 'verified' | 'rejected';
