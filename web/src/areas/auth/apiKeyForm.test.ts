import { describe, expect, it } from 'vitest';
import { apiKeyRequest } from './apiKeyForm';

const base = { name: 'ci', scopes: ['read' as const], ipWhitelist: '', ratePerMin: '' };

describe('apiKeyRequest', () => {
  it('builds the smallest body', () => {
    expect(apiKeyRequest(base)).toEqual({ body: { name: 'ci', scopes: ['read'] } });
  });

  it('splits the whitelist and reads the rate', () => {
    expect(apiKeyRequest({ ...base, ipWhitelist: '10.0.0.0/8, 192.0.2.1/32\n2001:db8::/32', ratePerMin: ' 60 ' })).toEqual({
      body: { name: 'ci', scopes: ['read'], ip_whitelist: ['10.0.0.0/8', '192.0.2.1/32', '2001:db8::/32'], rate_per_min: 60 },
    });
  });

  it('names the field of each problem', () => {
    expect(apiKeyRequest({ ...base, name: '  ' })).toMatchObject({ field: 'name' });
    expect(apiKeyRequest({ ...base, name: 'x'.repeat(65) })).toMatchObject({ field: 'name' });
    expect(apiKeyRequest({ ...base, scopes: [] })).toMatchObject({ field: 'scopes' });
    expect(apiKeyRequest({ ...base, ratePerMin: '0' })).toMatchObject({ field: 'rate_per_min' });
    expect(apiKeyRequest({ ...base, ratePerMin: '1.5' })).toMatchObject({ field: 'rate_per_min' });
    expect(apiKeyRequest({ ...base, ratePerMin: '100001' })).toMatchObject({ field: 'rate_per_min' });
    expect(apiKeyRequest({ ...base, ipWhitelist: Array(17).fill('10.0.0.1/32').join(',') })).toMatchObject({ field: 'ip_whitelist' });
  });
});
