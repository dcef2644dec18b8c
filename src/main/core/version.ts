// The app's version, from package.json: bundled into out/main at build time (electron-vite inlines the JSON import),
// read from the source tree by the tests. Recorded in every run (versions.ticketscope) and every snapshot (app).
import { version } from '../../../package.json';

export const APP_VERSION: string = version;
