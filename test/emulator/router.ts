import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context';

/** One HTTP exchange as a route handler sees it: the body is already read, the path already split. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  /** The route pattern's capture groups, URL-decoded. */
  params: string[];
  query: URLSearchParams;
  body: Buffer;
}

export interface Route {
  method: string;
  pattern: RegExp; // anchored; capture groups become Call.params
  handle(ctx: EmulatorContext, call: Call): void | Promise<void>;
}

export function findRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1).map((part) => decodeURIComponent(part)) };
  }
  return undefined;
}
