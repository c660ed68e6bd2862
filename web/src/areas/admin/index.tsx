// The Admin area: routes and menu entries (see ../area.ts).
import type { Area } from '../area';

export const adminArea: Area = {
  id: 'admin',
  title: 'Admin',
  nav: [],
  routes: [],
};
