import { describe, expect, it } from 'vitest';
import { fleetCounts, meanLoad } from './fleetStats';
import type { AdminServer } from '../types';

describe('fleet headline numbers', () => {
  it('counts servers, online, offline and GPUs', () => {
    expect(
      fleetCounts([
        { country: 'DE', city: 'Berlin', count: 3, online: 2, gpus: 10 },
        { country: 'US', city: 'Austin', count: 1, online: 0, gpus: 2 },
      ]),
    ).toEqual({ servers: 4, online: 2, offline: 2, gpus: 12 });
    expect(fleetCounts([])).toEqual({ servers: 0, online: 0, offline: 0, gpus: 0 });
  });

  it('averages the load of the servers that reported one', () => {
    const s = (load: AdminServer['load']) => ({ load }) as AdminServer;
    expect(meanLoad([s(null)])).toBeNull();
    expect(meanLoad([s({ t_ms: 1, cpu: 10, gpu: 80, ram_mb: 1, temp_c: 50 }), s(null), s({ t_ms: 1, cpu: 30, gpu: 40, ram_mb: 1, temp_c: 60 })])).toEqual({
      sampled: 2,
      cpu: 20,
      gpu: 60,
    });
  });
});
