// form.ts — submitting a form to the API with errors placed next to their field.
// useSubmit(fields) runs an async action; an ApiError whose field (or message)
// names one of `fields` is shown on that field (fieldProps(name) gives MUI
// TextField's error/helperText), any other error in formError.
import { useState } from 'react';
import { ApiError, errorField } from '../api/client';

export interface Submit {
  busy: boolean;
  formError: Error | undefined;
  fieldErrors: Record<string, string>;
  /** props for an MUI TextField: id, name, error, helperText */
  fieldProps: (name: string, help?: string) => { id: string; name: string; error: boolean; helperText?: string };
  /** set an error found before calling the API (client-side validation) */
  setFieldError: (name: string, message: string) => void;
  run: <T>(action: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

export function useSubmit(fields: readonly string[], idPrefix = 'f'): Submit {
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<Error>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  return {
    busy,
    formError,
    fieldErrors,
    fieldProps: (name, help) => ({
      id: `${idPrefix}-${name}`,
      name,
      error: !!fieldErrors[name],
      helperText: fieldErrors[name] ?? help,
    }),
    setFieldError: (name, message) => setFieldErrors((e) => ({ ...e, [name]: message })),
    clear: () => {
      setFormError(undefined);
      setFieldErrors({});
    },
    run: async (action) => {
      setBusy(true);
      setFormError(undefined);
      setFieldErrors({});
      try {
        return await action();
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        const f = err instanceof ApiError ? (err.field && fields.includes(err.field) ? err.field : errorField(err.message, fields)) : undefined;
        if (f) setFieldErrors({ [f]: err.message });
        else setFormError(err);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
  };
}
