import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferralApp } from '../../lib/app.js';
import { HANDLER_MODULE_METADATA, PROJECT_ROOT } from '../../lib/constructs/referral-function.js';
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

  it('documents a staff token for exactly the routes whose function verifies one (functions/http/staff-token.ts)', () => {
    // There is no API Gateway authorizer (SPEC §8's 401 and 503 need the function to answer): what needs a
    // staff token is what the route's function checks first, read from the handler module the stack names.
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
    const functionOfIntegration = new Map(Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Integration')
      .map(([id, r]) => [id, (r.Properties.IntegrationUri as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0]]));
    const verifying = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').filter((route) => {
      const target = ((route.Properties.Target as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].find((p) => typeof p === 'object') as { Ref: string }).Ref;
      const module = resources[functionOfIntegration.get(target) ?? '']?.Metadata?.[HANDLER_MODULE_METADATA];
      return typeof module === 'string' && /\.use\(staffToken\((\{[^)]*\})?\)\)/.test(readFileSync(path.join(PROJECT_ROOT, module), 'utf8'));
    }).map((route) => asOpenApi(String(route.Properties.RouteKey))).sort();
    const paths = document.paths as Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
    const needingStaff = documented.filter((key) => {
      const [method, route] = key.split(' ') as [string, string];
      return (paths[route]![method.toLowerCase()]!.security ?? []).some((requirement) => 'staffToken' in requirement);
    }).sort();
    expect(verifying.length).toBeGreaterThan(5);
    expect(needingStaff).toEqual(verifying);
  });
});
