import { describe, expect, it } from 'vitest';
import { afterSignIn, homeFor, safeNext } from './nextUrl';

describe('safeNext', () => {
  it('accepts same-origin relative paths with query and hash', () => {
    expect(safeNext('/my/rentals')).toBe('/my/rentals');
    expect(safeNext('/cabinet/servers?page=2#top')).toBe('/cabinet/servers?page=2#top');
    expect(safeNext('/')).toBe('/');
  });

  it('refuses absolute and scheme-relative URLs', () => {
    for (const bad of [
      'https://evil.example/',
      'http://evil.example',
      '//evil.example/path',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      'data:text/html,hi',
      'evil.example',
      ' /leading-space',
    ])
      expect(safeNext(bad), bad).toBeNull();
  });

  it('refuses control characters, backslashes and empty input', () => {
    expect(safeNext('/a\nb')).toBeNull();
    expect(safeNext('/\t/evil.example')).toBeNull();
    expect(safeNext('/a\\b')).toBeNull();
    expect(safeNext('')).toBeNull();
    expect(safeNext(null)).toBeNull();
    expect(safeNext(undefined)).toBeNull();
    expect(safeNext('/' + 'a'.repeat(3000))).toBeNull();
  });

  it('keeps encoded slashes on this origin', () => {
    expect(safeNext('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
  });

  it('normalises dot segments without leaving the origin', () => {
    expect(safeNext('/a/../../b')).toBe('/b');
  });

  it('refuses the sign-in pages themselves (no loops)', () => {
    expect(safeNext('/signin')).toBeNull();
    expect(safeNext('/signin?next=/x')).toBeNull();
    expect(safeNext('/signup')).toBeNull();
    expect(safeNext('/verify-email?email=a@b.c')).toBeNull();
    expect(safeNext('/signing-bonus')).toBe('/signing-bonus');
    expect(safeNext('/settings/security')).toBe('/settings/security');
  });
});

describe('homeFor', () => {
  it('picks a page by role', () => {
    expect(homeFor(['customer'])).toBe('/gpus');
    expect(homeFor(['provider'])).toBe('/cabinet/servers');
    expect(homeFor(['customer', 'provider'])).toBe('/cabinet/servers');
    expect(homeFor(['customer', 'admin'])).toBe('/console/fleet');
    expect(homeFor([])).toBe('/');
    expect(homeFor(undefined)).toBe('/');
  });
});

describe('afterSignIn', () => {
  it('prefers a safe next, else the home for the roles', () => {
    expect(afterSignIn('/my/wallet', ['customer'])).toBe('/my/wallet');
    expect(afterSignIn('https://evil.example', ['customer'])).toBe('/gpus');
    expect(afterSignIn(null, ['provider'])).toBe('/cabinet/servers');
  });
});
