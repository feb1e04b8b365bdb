/** The API token, kept for this browser tab's session only (shared/API.md, CADRE_TOKEN). */
const KEY = 'cadre.token';

export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function loadToken(storage: TokenStorage | undefined): string | null {
  try {
    const token = storage?.getItem(KEY) ?? null;
    return token && token.length > 0 ? token : null;
  } catch {
    // Storage can be disabled (privacy modes): the token then lives in memory only.
    return null;
  }
}

export function saveToken(storage: TokenStorage | undefined, token: string | null): void {
  try {
    if (token) storage?.setItem(KEY, token);
    else storage?.removeItem(KEY);
  } catch {
    // See loadToken.
  }
}
