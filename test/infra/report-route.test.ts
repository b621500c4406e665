import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferralApp } from '../../lib/app.js';
import { HANDLER_MODULE_METADATA } from '../../lib/constructs/referral-function.js';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

const outdir = mkdtempSync(path.join(tmpdir(), 'report-route-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const resources = Template.fromStack(createReferralApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }).stack)
  .toJSON().Resources as Record<string, Resource>;
const idsOfType = (type: string) => Object.keys(resources).filter((id) => resources[id]!.Type === type);

const reportFunction = idsOfType('AWS::Lambda::Function')
  .find((id) => resources[id]!.Metadata?.[HANDLER_MODULE_METADATA] === 'functions/report-throughput.ts');

function statementsOf(functionId: string): Statement[] {
  const roleId = (resources[functionId]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return idsOfType('AWS::IAM::Policy')
    .map((id) => resources[id]!.Properties)
    .filter((p) => (p.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('the throughput report route', () => {
  it('answers GET /api/reports/throughput behind the Lambda authorizer', () => {
    const route = idsOfType('AWS::ApiGatewayV2::Route').map((id) => resources[id]!.Properties)
      .find((r) => r.RouteKey === 'GET /api/reports/throughput');
    expect(route).toBeDefined();
    expect(route!.AuthorizationType).toBe('CUSTOM');
    const authorizerId = idsOfType('AWS::ApiGatewayV2::Authorizer')[0];
    expect((route!.AuthorizerId as { Ref: string }).Ref).toBe(authorizerId);
    expect(reportFunction).toBeDefined();
  });

  it('may read the table and decrypt it, and change nothing', () => {
    const actions = statementsOf(reportFunction!).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 'kms:Decrypt']));
    const writes = actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|TransactWrite)/.test(a) || /^kms:(Encrypt|GenerateDataKey|ReEncrypt)/.test(a));
    expect(writes).toEqual([]);
    expect(actions.some((a) => /^(states|ses|sns|s3):/.test(a))).toBe(false);
  });
});
