// The Customer area: routes and menu entries (see ../area.ts).
import type { Area } from '../area';

export const customerArea: Area = {
  id: 'customer',
  title: 'Customer',
  nav: [],
  routes: [],
};
