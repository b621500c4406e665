import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { LocalLambdas } from './lambda-runtime.js';
import { localLambdaArn, type LocalRoute } from './template.js';

/** API Gateway refuses payloads over 10 MB before any function runs. */
const GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|[\w.+-]*\+json))/i;

interface CompiledRoute extends LocalRoute {
  readonly pattern: RegExp;
  readonly parameterNames: string[];
}

function compile(route: LocalRoute): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.path.split('/').map((segment) => {
    const match = /^\{(\w+)(\+?)\}$/.exec(segment);
    if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    parameterNames.push(match[1]!);
    return match[2] ? '(.+)' : '([^/]+)';
  }).join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), parameterNames };
}

/**
 * The HTTP API, locally: each request becomes an API Gateway v2 (payload 2.0) event for the function
 * the template's route points at, and the function's answer becomes the HTTP response.
 */
export class LocalGateway {
  private readonly routes: CompiledRoute[];
  private server?: Server;

  constructor(routes: LocalRoute[], private readonly lambdas: LocalLambdas, private readonly log: (message: string) => void) {
    this.routes = routes.map(compile);
  }

  listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve(`http://localhost:${port}`));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const candidates = this.routes.filter((r) => r.pattern.test(url.pathname));
    const route = candidates.find((r) => r.method === method || r.method === 'ANY');
    if (!route) {
      const status = candidates.length ? 405 : 404;
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ message: status === 404 ? 'Not Found' : 'Method Not Allowed' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > GATEWAY_PAYLOAD_LIMIT) {
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const event = this.toEvent(req, url, route, Buffer.concat(chunks));
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = (await this.lambdas.invoke(localLambdaArn(route.functionLogicalId), event)) as APIGatewayProxyStructuredResultV2;
    } catch (error) {
      this.log(`function ${route.functionLogicalId} failed: ${(error as Error).name}`);
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
      return;
    }
    const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string> | undefined) };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(body);
    // The path only: a query string could carry something a person typed.
    this.log(`${method} ${url.pathname} → ${result.statusCode ?? 200} in ${Date.now() - started} ms`);
  }

  private toEvent(req: IncomingMessage, url: URL, route: CompiledRoute, body: Buffer): APIGatewayProxyEventV2 {
    const headers: Record<string, string> = {};
    const cookies: string[] = [];
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      if (name === 'cookie') cookies.push(...String(value).split(/;\s*/).filter(Boolean));
      else headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const match = route.pattern.exec(url.pathname)!;
    const pathParameters = Object.fromEntries(route.parameterNames.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
    const queryStringParameters: Record<string, string> = {};
    for (const [key, value] of url.searchParams) {
      queryStringParameters[key] = key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
    }
    const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
    const now = new Date();
    return {
      version: '2.0',
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      ...(cookies.length ? { cookies } : {}),
      ...(Object.keys(queryStringParameters).length ? { queryStringParameters } : {}),
      ...(route.parameterNames.length ? { pathParameters } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'localhost',
        http: {
          method: route.method === 'ANY' ? (req.method ?? 'GET') : route.method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: `${route.method} ${route.path}`,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !isText,
    };
  }
}
