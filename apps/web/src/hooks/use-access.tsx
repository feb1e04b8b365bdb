/**
 * What the viewer may do: 'write' (CADRE_TOKEN, or a server without tokens)
 * or 'read' (CADRE_READ_TOKEN). Every control that changes something asks
 * here, in one line:
 *
 *   const { canChange } = useAccess();          // then disabled={!canChange}, or
 *   <WriteOnly><button …>Retry</button></WriteOnly>   // shown only to writers
 *
 * Until the server has answered GET /api/access the viewer counts as a
 * reader, so a control never shows to someone who may not use it.
 */
import type { Access, CadreClient } from '@cadre/client';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { isNotFound } from '../lib/errors.js';

export interface AccessState {
  /** null until the server has answered. */
  access: Access | null;
  /** True when the viewer may change things (the server said 'write'). */
  canChange: boolean;
}

export const AccessContext = createContext<AccessState>({ access: null, canChange: false });

/** Whether the viewer may change things; see the top of this file. */
export function useAccess(): AccessState {
  return useContext(AccessContext);
}

/** Its children, only for a viewer who may change things. */
export function WriteOnly({ children }: { children: ReactNode }) {
  return useAccess().canChange ? children : null;
}

export function accessState(access: Access | null): AccessState {
  return { access, canChange: access === 'write' };
}

/**
 * Asks the server what `client`'s token may do, each time `enabled` turns
 * true (the live connection is up: asked again after a reconnect, when the
 * server may have restarted with other tokens). A new client (a new token)
 * starts unknown. A server older than GET /api/access (404) has no
 * read-only token: its callers may change things.
 */
export function useServerAccess(
  client: CadreClient,
  enabled: boolean,
  onError: (err: unknown) => void,
): Access | null {
  const [answer, setAnswer] = useState<{ client: CadreClient; access: Access } | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let current = true;
    client.access().then(
      (view) => current && setAnswer({ client, access: view.access }),
      (err: unknown) => {
        if (!current) return;
        if (isNotFound(err)) setAnswer({ client, access: 'write' });
        else onError(err);
      },
    );
    return () => {
      current = false;
    };
  }, [client, enabled, onError]);
  return answer?.client === client ? answer.access : null;
}
