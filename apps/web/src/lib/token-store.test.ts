import { describe, expect, it } from 'vitest';
import { loadToken, saveToken, type TokenStorage } from './token-store.js';

function memoryStorage(): TokenStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

describe('token store', () => {
  it('saves, loads and clears the token', () => {
    const storage = memoryStorage();
    expect(loadToken(storage)).toBeNull();
    saveToken(storage, 's3cret');
    expect(loadToken(storage)).toBe('s3cret');
    saveToken(storage, null);
    expect(storage.map.size).toBe(0);
  });

  it('survives missing or throwing storage', () => {
    const broken: TokenStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadToken(broken)).toBeNull();
    expect(() => saveToken(broken, 'x')).not.toThrow();
    expect(loadToken(undefined)).toBeNull();
  });
});
