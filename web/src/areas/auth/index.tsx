// The Account area: routes and menu entries (see ../area.ts).
import type { Area } from '../area';

export const authArea: Area = {
  id: 'auth',
  title: 'Account',
  nav: [],
  routes: [],
};
