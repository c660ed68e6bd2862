// fieldOf.ts — put an API error next to the right field when its message does
// not name the field (e.g. weak_password on the field "new_password").
import { ApiError } from '../../api/client';

/** Rethrows `e` with `field` set when its code is one of `codes`' keys. */
export function fieldOf(e: unknown, codes: Record<string, string>): never {
  if (e instanceof ApiError && codes[e.code] && !e.field) throw new ApiError(e.status, e.code, e.message, codes[e.code]);
  throw e;
}
