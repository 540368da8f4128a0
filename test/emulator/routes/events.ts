import type { Route } from '../router';

/** The completion event stream (oxen-api.md §7); authentication is checked before routing. */
export const eventRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/events$/,
    handle(ctx, { res }) {
      ctx.sse.accept(res);
    },
  },
];
