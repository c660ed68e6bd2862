import { describe, expect, it } from 'vitest';
import { loadAtlas, MAP_HEIGHT, MAP_WIDTH } from './atlas';

describe('offline world atlas', () => {
  it('draws the countries and places markers where the countries are', async () => {
    const a = await loadAtlas();
    expect(a.countries.length).toBeGreaterThan(150);
    expect(a.sphere).toMatch(/^M/);
    const de = a.point('DE')!;
    const us = a.point('us')!;
    const au = a.point('AU')!;
    for (const p of [de, us, au]) {
      expect(p[0]).toBeGreaterThan(0);
      expect(p[0]).toBeLessThan(MAP_WIDTH);
      expect(p[1]).toBeGreaterThan(0);
      expect(p[1]).toBeLessThan(MAP_HEIGHT);
    }
    expect(us[0]).toBeLessThan(de[0]); // west of Germany
    expect(au[1]).toBeGreaterThan(de[1]); // south of Germany
    // France's marker sits in Europe, not between it and French Guiana
    const fr = a.point('FR')!;
    expect(Math.abs(fr[0] - de[0])).toBeLessThan(40);
    // a city state missing at 1:110m still gets a point; an unknown code none
    expect(a.point('SG')).not.toBeNull();
    expect(a.point('ZZ')).toBeNull();
  });
});
