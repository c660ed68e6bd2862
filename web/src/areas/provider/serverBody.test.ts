import { describe, expect, it } from 'vitest';
import { emptyServerForm, FieldError, serverBody, serverToForm } from './serverBody';
import type { ProviderServer } from './types';

describe('serverBody', () => {
  it('makes a POST body with integers, capitals and base units', () => {
    const f = { ...emptyServerForm(), host: ' gpu1.example.com ', country: 'de', ram_gb: '64', disk_gb: '1000', price_per_gpu_hour: '1.25' };
    expect(serverBody(f)).toEqual({
      gpu_model: 'RTX 4090', gpu_count: 1, vram_gb: 24, ram_gb: 64, disk_gb: 1000, host: 'gpu1.example.com',
      ssh_port_min: 22000, ssh_port_max: 22009, country: 'DE', price_per_gpu_hour: 1_250_000_000,
    });
  });
  it('passes text the node must refuse to the node', () => {
    const b = serverBody({ ...emptyServerForm(), gpu_count: 'two', price_per_gpu_hour: '1' });
    expect(b.gpu_count).toBe('two');
  });
  it('throws a field error for a bad price', () => {
    expect(() => serverBody({ ...emptyServerForm(), price_per_gpu_hour: '1.2.3' })).toThrow(FieldError);
    try {
      serverBody({ ...emptyServerForm(), price_per_gpu_hour: 'abc' });
    } catch (e) {
      expect((e as FieldError).field).toBe('price_per_gpu_hour');
    }
  });
  it('sends only changed fields on PUT, and an emptied city', () => {
    const s = {
      id: 'x', gpu_model: 'T4', gpu_count: 2, vram_gb: 16, cuda_cores: 0, cpu: 'EPYC', ram_gb: 64, disk_gb: 500,
      country: 'US', city: 'Austin', price_per_hour: 0, score: 80, status: 'offline', host: 'h', ssh_port_min: 1,
      ssh_port_max: 2, price_per_gpu_hour: 500_000_000, worker: null, created_at: '', updated_at: '',
    } satisfies ProviderServer;
    const before = serverToForm(s);
    expect(before.price_per_gpu_hour).toBe('0.5');
    expect(serverBody(before, before)).toEqual({});
    expect(serverBody({ ...before, city: '', price_per_gpu_hour: '0.75', gpu_count: '4' }, before)).toEqual({ city: '', price_per_gpu_hour: 750_000_000, gpu_count: 4 });
  });
});
