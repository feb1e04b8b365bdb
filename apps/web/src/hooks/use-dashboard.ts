/** What every panel needs: the HTTP client, the live connection, colours, and a way to speak up. */
import type { CadreClient, LiveClient } from '@cadre/client';
import { createContext, useContext } from 'react';

export type NoticeKind = 'error' | 'info' | 'success';

export interface Dashboard {
  client: CadreClient;
  live: LiveClient | null;
  colors: ReadonlyMap<string, string>;
  notify(kind: NoticeKind, message: string): void;
  /** Reports an API failure; asks for the token again on 401. */
  fail(context: string, err: unknown): void;
}

export const DashboardContext = createContext<Dashboard | null>(null);

export function useDashboard(): Dashboard {
  const value = useContext(DashboardContext);
  if (!value) throw new Error('useDashboard needs a DashboardContext provider');
  return value;
}

export function colorOf(colors: ReadonlyMap<string, string>, name: string): string {
  return colors.get(name) ?? '#94a3b8';
}
