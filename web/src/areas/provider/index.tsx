// The Provider area: routes and menu entries (see ../area.ts).
import type { Area } from '../area';

export const providerArea: Area = {
  id: 'provider',
  title: 'Provider',
  nav: [],
  routes: [],
};
