import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isReference } from '../domain/reference.js';
import { TEAM_ID } from '../http/path-parameters.js';

export type Result = APIGatewayProxyStructuredResultV2;
export type Params = Readonly<Record<string, string>>;

/** What every page's route is given. */
export interface PortalRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly now: Date;
  readonly params: Params;
}

export type Route<R extends PortalRequest> = (request: R) => Promise<Result>;

/** A path parameter out of shape matches no route, so a malformed reference or team is simply not found. */
const SHAPES: Record<string, (value: string) => boolean> = {
  reference: isReference,
  teamId: (value) => TEAM_ID.test(value),
};

/**
 * Routes keyed as API Gateway writes them, 'GET /portal/referrals/{reference}': `{name}` is one path
 * segment, `{name+}` the rest of the path. The first route that matches wins.
 */
export function routeTable<R extends PortalRequest>(routes: Record<string, Route<R>>) {
  const compiled = Object.entries(routes).map(([key, route]) => {
    const [method, path = ''] = key.split(' ');
    const names: string[] = [];
    const source = path.replace(/\./g, '\\.').replace(/\{(\w+)(\+?)\}/g, (_, name: string, rest: string) => {
      names.push(name);
      return rest ? '(.+)' : '([^/]+)';
    });
    return { method, pattern: new RegExp(`^${source}$`), names, route };
  });
  return (method: string, path: string): { route: Route<R>; params: Params } | undefined => {
    for (const { method: routeMethod, pattern, names, route } of compiled) {
      const match = routeMethod === method ? pattern.exec(path) : null;
      if (!match) continue;
      const params: Params = Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? '']));
      if (names.every((name) => SHAPES[name]?.(params[name]!) ?? true)) return { route, params };
    }
    return undefined;
  };
}
