import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferralApp } from '../../lib/app.js';
import { REQUESTS_PER_CLIENT, SUBMISSIONS_PER_CLIENT } from '../../lib/edge-protection-stack.js';
import { HANDLER_MODULE_METADATA } from '../../lib/constructs/referral-function.js';
import { VICTIM_KEY_ALIAS } from '../../lib/constructs/referral-store.js';
import { UNUSUAL_REFERRAL_RATE } from '../../lib/referral-stack.js';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const outdir = mkdtempSync(path.join(tmpdir(), 'least-privilege-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const { stack, edge } = createReferralApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
const service = Template.fromStack(stack);
const edgeTemplate = Template.fromStack(edge);
const resources = service.toJSON().Resources as Record<string, Resource>;

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const idsOfType = (type: string, from = resources) => Object.keys(from).filter((id) => from[id]!.Type === type);
const functionFor = (handlerModule: string): string => {
  const id = idsOfType('AWS::Lambda::Function').find((fn) => resources[fn]!.Metadata?.[HANDLER_MODULE_METADATA] === handlerModule);
  if (!id) throw new Error(`No function runs ${handlerModule}`);
  return id;
};
const statementsOf = (functionId: string): Statement[] => {
  const roleId = (resources[functionId]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return idsOfType('AWS::IAM::Policy').map((id) => resources[id]!.Properties)
    .filter((p) => (p.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
};
const everyStatement = (from: Record<string, Resource>): { owner: string; statement: Statement }[] =>
  Object.entries(from).flatMap(([owner, r]) => {
    const documents = r.Type === 'AWS::IAM::Policy' ? [r.Properties.PolicyDocument]
      : r.Type === 'AWS::IAM::Role' ? list(r.Properties.Policies as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument) : [];
    return documents.flatMap((d) => (d as { Statement: Statement[] }).Statement.map((statement) => ({ owner, statement })));
  });

const TABLE_WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete)|\*)$/;

describe('least privilege on the referral table', () => {
  it('lets no function, role or policy scan the table, nor use a DynamoDB wildcard', () => {
    const all = [...everyStatement(resources), ...everyStatement(edgeTemplate.toJSON().Resources as Record<string, Resource>)];
    expect(all.length).toBeGreaterThan(20);
    for (const { owner, statement } of all) {
      for (const action of list(statement.Action)) {
        expect(action, owner).not.toMatch(/^dynamodb:(Scan|\*|PartiQLSelect)$/i);
        expect(action, owner).not.toBe('*');
      }
    }
  });

  for (const [name, handler, partitions] of [
    ['the JSON API intake', 'functions/api/submit-referral.ts', ['REFERRAL#*', 'VICTIM#*', 'IDEMPOTENCY#*']],
    ['the victim form', 'functions/pages/victim-form.ts', ['REFERRAL#*', 'VICTIM#*', 'IDEMPOTENCY#*', 'FORMSESSION#*']],
  ] as const) {
    it(`gives ${name}, open to anyone, no table-wide write: every table statement is held to its own partitions`, () => {
      const tableStatements = statementsOf(functionFor(handler)).filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:')));
      expect(tableStatements.flatMap((s) => list(s.Action))).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem']));
      const reached = new Set<string>();
      for (const statement of tableStatements) {
        const actions = list(statement.Action);
        expect(actions.filter((a) => !/^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|ConditionCheckItem)$/.test(a)), handler).toEqual([]);
        const leading = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
        expect(leading, `${handler}: ${actions.join(', ')}`).toBeDefined();
        for (const prefix of list(leading as string | string[])) {
          expect(prefix).toMatch(/^[A-Z_]+#\*$/);
          reached.add(prefix);
        }
        expect(JSON.stringify(statement.Resource)).not.toContain('index');
      }
      expect([...reached].sort()).toEqual([...partitions].sort());
      // Deleting is for its own form sessions only, never a referral.
      const deletes = tableStatements.filter((s) => list(s.Action).includes('dynamodb:DeleteItem'));
      for (const statement of deletes) expect(statement.Condition!['ForAllValues:StringLike']!['dynamodb:LeadingKeys']).toEqual(['FORMSESSION#*']);
    });
  }

  it('gives the staff and workflow functions item reads and writes, but no batch write', () => {
    const actions = statementsOf(functionFor('functions/api/acknowledge-assignment.ts')).flatMap((s) => list(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(actions.filter((a) => /BatchWrite|Scan/.test(a))).toEqual([]);
  });

  it('still lets the reports change nothing', () => {
    const actions = statementsOf(functionFor('functions/api/report-throughput.ts')).flatMap((s) => list(s.Action));
    expect(actions.filter((a) => TABLE_WRITES.test(a))).toEqual([]);
  });
});

describe('the victim key', () => {
  it('is an HMAC key in KMS that only the functions storing new referrals may compute a MAC with, by its alias', () => {
    service.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    service.hasResourceProperties('AWS::KMS::Alias', { AliasName: VICTIM_KEY_ALIAS });
    const keyId = idsOfType('AWS::KMS::Key').find((id) => (resources[id]!.Properties.KeySpec) === 'HMAC_256')!;
    const macUsers = idsOfType('AWS::Lambda::Function').filter((fn) => statementsOf(fn).some((s) => list(s.Action).includes('kms:GenerateMac')));
    expect(macUsers.map((fn) => resources[fn]!.Metadata?.[HANDLER_MODULE_METADATA]).sort())
      .toEqual(['functions/api/submit-referral.ts', 'functions/pages/agency-portal.ts', 'functions/pages/victim-form.ts']);
    for (const fn of macUsers) {
      const onKey = statementsOf(fn).filter((s) => JSON.stringify(s.Resource).includes(keyId));
      expect(onKey.flatMap((s) => list(s.Action))).toEqual(['kms:GenerateMac']);
      expect((resources[fn]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables.VICTIM_KEY_ID).toBe(VICTIM_KEY_ALIAS);
    }
    for (const { owner, statement } of everyStatement(resources)) {
      if (JSON.stringify(statement.Resource).includes(keyId)) expect(list(statement.Action), owner).toEqual(['kms:GenerateMac']);
    }
  });
});

describe('the staff session tokens key', () => {
  it('lets the portal alone make and open data keys under it, and nothing else', () => {
    const keyId = idsOfType('AWS::KMS::Key').find((id) => id.startsWith('SessionTokenKey'))!;
    expect(keyId).toBeDefined();
    service.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const users = idsOfType('AWS::Lambda::Function').filter((fn) => statementsOf(fn).some((s) => JSON.stringify(s.Resource).includes(keyId)));
    expect(users.map((fn) => resources[fn]!.Metadata?.[HANDLER_MODULE_METADATA])).toEqual(['functions/pages/agency-portal.ts']);
    const onKey = statementsOf(users[0]!).filter((s) => JSON.stringify(s.Resource).includes(keyId));
    expect(onKey.flatMap((s) => list(s.Action)).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});

describe('per-client limits in front of the API', () => {
  const edgeResources = edgeTemplate.toJSON().Resources as Record<string, Resource>;

  it('creates the web ACL for CloudFront in us-east-1, the one region WAF takes CloudFront web ACLs in', () => {
    expect(edge.region).toBe('us-east-1');
    edgeTemplate.resourceCountIs('AWS::WAFv2::WebACL', 1);
    edgeTemplate.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  });

  it('blocks a client IP over its rate: all requests, and submissions more tightly', () => {
    const acl = edgeResources[idsOfType('AWS::WAFv2::WebACL', edgeResources)[0]!]!.Properties;
    const rules = acl.Rules as { Name: string; Action: unknown; Statement: { RateBasedStatement?: Record<string, unknown> } }[];
    const rated = rules.filter((r) => r.Statement.RateBasedStatement);
    expect(rated.map((r) => r.Name).sort()).toEqual(['RequestsPerClient', 'SubmissionsPerClient']);
    for (const rule of rated) {
      expect(rule.Action).toEqual({ Block: {} });
      expect(rule.Statement.RateBasedStatement!.AggregateKeyType).toBe('IP');
    }
    const submissions = rated.find((r) => r.Name === 'SubmissionsPerClient')!.Statement.RateBasedStatement!;
    expect(submissions.Limit).toBe(SUBMISSIONS_PER_CLIENT);
    expect(JSON.stringify(submissions.ScopeDownStatement)).toContain('/api/referrals');
    expect(JSON.stringify(submissions.ScopeDownStatement)).toContain('/refer/');
    expect(rated.find((r) => r.Name === 'RequestsPerClient')!.Statement.RateBasedStatement!.Limit).toBe(REQUESTS_PER_CLIENT);
  });

  it('puts the web ACL on a CloudFront distribution whose origin is the API, caching nothing', () => {
    const aclId = idsOfType('AWS::WAFv2::WebACL', edgeResources)[0]!;
    edgeTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        WebACLId: { 'Fn::GetAtt': [aclId, 'Arn'] },
        Origins: [{ DomainName: { Ref: 'ApiDomain' }, CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] } }],
        DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad' },
      },
    });
    expect(Object.keys(service.toJSON().Outputs as object)).toContain('ApiDomain');
  });

  it('tells operations when referrals arrive at an unusual rate', () => {
    const topicId = idsOfType('AWS::SNS::Topic').find((id) => id.startsWith('OperationsTopic'))!;
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'StalkingReferrals',
      MetricName: 'ReferralReceived',
      Dimensions: [{ Name: 'service', Value: 'referral-service' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: UNUSUAL_REFERRAL_RATE,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
  });
});
