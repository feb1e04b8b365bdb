/**
 * Where the e2e servers listen (see playwright.config.ts): one open server,
 * one with CADRE_TOKEN and CADRE_READ_TOKEN set.
 */
export const PORT = Number(process.env.E2E_PORT ?? 3210);
export const TOKEN_PORT = PORT + 1;
export const BASE_URL = `http://127.0.0.1:${PORT}`;
export const TOKEN_URL = `http://127.0.0.1:${TOKEN_PORT}`;
export const E2E_TOKEN = 'e2e-secret-token';
/** The token server's read-only token (CADRE_READ_TOKEN). */
export const E2E_READ_TOKEN = 'e2e-read-only-token';
/** The worker threads each e2e server runs with. */
export const WORKERS = 4;
