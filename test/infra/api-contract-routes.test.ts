import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferralApp } from '../../lib/app.js';
import { apiContract } from '../../functions/http/api-contract.js';

const outdir = mkdtempSync(path.join(tmpdir(), 'api-contract-routes-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
// No bundling: only the routes are read.
const template = Template.fromStack(createReferralApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }).stack);

const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
  .map((route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey);
const document = apiContract({ serverUrl: 'https://a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com', tokenUrl: '/oauth2/token' }, new Date());
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
  .flatMap(([route, item]) => Object.keys(item).filter((key) => METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${route}`));

// A greedy path variable (`{proxy+}`) is API Gateway's; OpenAPI names the same variable without the plus.
const asOpenApi = (routeKey: string) => routeKey.replace(/\{(\w+)\+\}/g, '{$1}');

describe('the OpenAPI document against the stack', () => {
  it('documents every route the stack serves, with its method and path', () => {
    expect(routeKeys.length).toBeGreaterThan(10);
    expect(routeKeys).toContain('GET /api/openapi.json');
    expect(documented.sort()).toEqual(routeKeys.map(asOpenApi).sort());
  });

  it('names an authorizer for exactly the routes it documents as needing a staff token', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as { Properties: { RouteKey: string; AuthorizerId?: unknown } }[];
    const authorised = routes.filter((r) => r.Properties.AuthorizerId !== undefined).map((r) => asOpenApi(r.Properties.RouteKey)).sort();
    const paths = document.paths as Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
    const needingStaff = documented.filter((key) => {
      const [method, route] = key.split(' ') as [string, string];
      return (paths[route]![method.toLowerCase()]!.security ?? []).some((requirement) => 'staffToken' in requirement);
    }).sort();
    expect(needingStaff).toEqual(authorised);
  });
});
