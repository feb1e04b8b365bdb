import { afterAll, beforeAll } from 'vitest';
import { describeBackendConformance } from '@cadre/store/test-support';
import { PostgresBackend } from './postgres-backend.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';
import { dropSchema } from './test-support/schemas.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describeBackendConformance(
  'postgres',
  async () => {
    const schema = db.schemaName();
    return {
      create: () => new PostgresBackend({ connectionString: db.url, schema }),
      cleanup: () => dropSchema(db.url, schema),
    };
  },
  { cluster: true },
);
