import { createLocalBackend } from './local-backend.js';
import { openLowdbStore } from './lowdb-store.js';
import { describeBackendConformance } from './test-support/backend-conformance.js';
import { makeTmpDir } from './test-support/tmp-dir.js';

describeBackendConformance('local (lowdb)', async () => {
  const tmp = await makeTmpDir();
  return {
    create: async () => createLocalBackend({ store: await openLowdbStore({ dir: tmp.dir }) }),
    cleanup: () => tmp.remove(),
  };
});
