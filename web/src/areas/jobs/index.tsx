// The Jobs area (compute bought by the job, and vanity addresses): routes and menu entries (see ../area.ts).
import type { Area } from '../area';

export const jobsArea: Area = {
  id: 'jobs',
  title: 'Jobs',
  nav: [],
  routes: [],
};
