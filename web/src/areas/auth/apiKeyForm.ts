// apiKeyForm.ts — the API-key form's text fields as POST /api-keys's body.
import type { ApiKeyRequest, ApiKeyScope } from './types';

export interface ApiKeyFormValues {
  name: string;
  scopes: ApiKeyScope[];
  /** CIDRs separated by commas, spaces or new lines; empty for any address */
  ipWhitelist: string;
  /** empty for the node's default (1000 a minute) */
  ratePerMin: string;
}

/** The body, or the field and message of the first problem found here (the node checks everything again). */
export function apiKeyRequest(v: ApiKeyFormValues): { body: ApiKeyRequest } | { field: string; message: string } {
  const name = v.name.trim();
  if (!name) return { field: 'name', message: 'Give the key a name, e.g. where it is used' };
  if (new TextEncoder().encode(name).length > 64) return { field: 'name', message: 'name is at most 64 bytes' };
  if (!v.scopes.length) return { field: 'scopes', message: 'Pick at least one scope' };
  const body: ApiKeyRequest = { name, scopes: [...v.scopes] };
  const ips = v.ipWhitelist.split(/[\s,]+/).filter(Boolean);
  if (ips.length > 16) return { field: 'ip_whitelist', message: 'at most 16 addresses or ranges' };
  if (ips.length) body.ip_whitelist = ips;
  const rate = v.ratePerMin.trim();
  if (rate) {
    if (!/^\d+$/.test(rate) || Number(rate) < 1 || Number(rate) > 100000)
      return { field: 'rate_per_min', message: 'rate_per_min must be a whole number 1..100000' };
    body.rate_per_min = Number(rate);
  }
  return { body };
}
