import { describe, expect, it } from 'vitest';
import { filtersFromParams, filtersToParams, filtersToQuery, withFilter, type GpuFilters } from './gpuFilters';

describe('GPU search filters in the URL', () => {
  it('round-trips every filter and sort through the query', () => {
    const f: GpuFilters = {
      model: 'RTX 4090', min_price: '1000000000', max_price: '99000000000000000', country: 'DE', city: 'Frankfurt am Main',
      min_vram: 24, min_count: 2, status: 'online', sort: 'score', limit: 50, offset: 100,
    };
    const p = filtersToParams(f);
    expect(filtersFromParams(new URLSearchParams(p.toString()))).toEqual(f);
    expect(p.toString()).toBe(
      'model=RTX+4090&min_price=1000000000&max_price=99000000000000000&country=DE&city=Frankfurt+am+Main&min_vram=24&min_count=2&status=online&sort=score&limit=50&offset=100',
    );
  });

  it('leaves the defaults out of the URL and an empty search is an empty query', () => {
    expect(filtersToParams({ sort: 'price', limit: 20, offset: 0 }).toString()).toBe('');
    expect(filtersFromParams(new URLSearchParams(''))).toEqual({});
    expect(filtersFromParams(new URLSearchParams('sort=price&limit=20&offset=0'))).toEqual({});
  });

  it('drops what the API would refuse', () => {
    const f = filtersFromParams(new URLSearchParams('status=gone&sort=cheap&country=de&min_vram=-1&min_count=99&limit=1000&min_price=1.5&max_price=99999999999999999999&foo=bar'));
    expect(f).toEqual({});
  });

  it('asks the API for the page size it shows', () => {
    expect(filtersToQuery({ model: 'T4' })).toEqual({ model: 'T4', limit: 20 });
  });

  it('goes back to the first page when a filter changes, not when paging', () => {
    const f: GpuFilters = { model: 'T4', offset: 40 };
    expect(withFilter(f, { status: 'online' })).toEqual({ model: 'T4', status: 'online' });
    expect(withFilter(f, { offset: 60 })).toEqual({ model: 'T4', offset: 60 });
    expect(withFilter(f, { model: undefined })).toEqual({});
  });
});
