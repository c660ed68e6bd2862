// The Explorer area: routes and menu entries (see ../area.ts).
import type { Area } from '../area';

export const explorerArea: Area = {
  id: 'explorer',
  title: 'Explorer',
  nav: [],
  routes: [],
};
