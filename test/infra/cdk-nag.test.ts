import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createReferralApp } from '../../lib/app.js';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
afterEach(() => vi.restoreAllMocks());

/** The app exactly as `bin/app.ts` builds it, AwsSolutions pack included, minus asset bundling. */
function referralApp() {
  const outdir = mkdtempSync(path.join(tmpdir(), 'referral-nag-'));
  outdirs.push(outdir);
  return { outdir, ...createReferralApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }) };
}

interface Acknowledgement {
  /** Construct path the acknowledgement was made on: it covers that construct and everything below it. */
  readonly scope: string;
  readonly id: string;
  readonly reason: string;
}

/** `Validations.acknowledge` records each acknowledgement as construct metadata; cdk-nag reads it from there. */
function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) => construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([qualifiedId, reason]) => ({
      scope: construct.node.path,
      id: qualifiedId.replace(/^annotation::/i, ''),
      reason,
    }))));
}

interface ValidationReport {
  readonly pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[];
}

// Reasons that say nothing about this stack: what a reviewer would send back.
const BOILERPLATE = [
  /^(n\/?a|none|todo|tbd|fixme|ok|okay|fine|accepted|acceptable|intended|by design|not needed|not applicable|false positive|suppressed?|ignored?)\.?$/i,
  /\b(todo|tbd|fixme|xxx)\b/i,
  /^(this|the) (rule|finding|check|warning) (is )?(suppressed|acknowledged|ignored|not (needed|applicable|relevant))/i,
  /\bsuppress(ed|ing)? (this|the) (rule|finding|warning)\b/i,
  /^lorem ipsum/i,
];

describe('cdk-nag AwsSolutions checks', () => {
  it('synthesizes the whole app with every AwsSolutions check passing', () => {
    const { app, outdir } = referralApp();
    expect(() => app.synth()).not.toThrow();

    // CDK writes its validation report into the cloud assembly; older releases used the legacy name too.
    const reports = ['validation-report.json', 'policy-validation-report.json']
      .map((name) => path.join(outdir, name))
      .filter((file) => existsSync(file))
      .map((file) => JSON.parse(readFileSync(file, 'utf8')) as ValidationReport);
    expect(reports.length, 'a validation report in the cloud assembly').toBeGreaterThan(0);
    for (const report of reports) {
      for (const plugin of report.pluginReports) {
        expect(plugin.conclusion, plugin.pluginName).not.toBe('failure');
        expect(plugin.violations.map((v) => v.ruleName), plugin.pluginName).toEqual([]);
      }
    }
  });

  it('finds nothing unacknowledged when the pack is run over the synthesized app directly', () => {
    const { app } = referralApp();
    app.synth();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} on ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('stops synthesis when a resource breaks an AwsSolutions rule, so a passing synth means something', () => {
    const { app, stack } = referralApp();
    new s3.Bucket(stack, 'UnreviewedBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});

describe('acknowledged findings', () => {
  it('gives every acknowledgement a reason of at least 40 characters that explains this stack, not boilerplate', () => {
    const { app } = referralApp();
    const acknowledgements = acknowledgementsIn(app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { scope, id, reason } of acknowledgements) {
      const label = `${id} on ${scope}`;
      expect(id, label).toMatch(/^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(reason.trim().length, label).toBeGreaterThanOrEqual(40);
      for (const pattern of BOILERPLATE) expect(reason, label).not.toMatch(pattern);
      expect(reason.toLowerCase(), `${label}: the reason repeats the rule id`).not.toContain(id.toLowerCase().replace(/\[.*$/, ''));
      expect(new Set(reason.toLowerCase().match(/[a-z]{3,}/g)).size, `${label}: the reason is too thin to explain anything`).toBeGreaterThanOrEqual(8);
    }
  });

  it('acknowledges only findings the pack really raises, on the constructs it raises them for', () => {
    const { app } = referralApp();
    const acknowledgements = acknowledgementsIn(app);

    // The same app with every acknowledgement dropped shows the raw findings they answer.
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const { app: unacknowledged } = referralApp();
    expect(acknowledgementsIn(unacknowledged)).toEqual([]);
    expect(() => unacknowledged.synth(), 'without its acknowledgements the app must not synthesize').toThrow(/AwsSolutions-/);
    const findings = new AwsSolutionsChecks().validateScope(unacknowledged).violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ id: v.ruleName, path: String(r.constructPath) })));
    expect(findings.length).toBeGreaterThan(0);

    const stale = acknowledgements.filter((ack) =>
      !findings.some((f) => f.id === ack.id && (f.path === ack.scope || f.path.startsWith(`${ack.scope}/`))));
    expect(stale.map((ack) => `${ack.id} on ${ack.scope}`)).toEqual([]);
  });
});

/**
 * Most acknowledgements are made on the whole stack, so they would also silence a
 * future finding nobody reviewed. These hold each one to what its reason claims.
 */
describe('what the broad acknowledgements claim', () => {
  let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  let statements: { owner: string; actions: string[]; resources: unknown[] }[];
  beforeAll(() => {
    resources = Template.fromStack(referralApp().stack).toJSON().Resources as typeof resources;
    statements = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
      .flatMap(([owner, r]) => (r.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement
        .map((s) => ({ owner, actions: ([] as string[]).concat(s.Action), resources: ([] as unknown[]).concat(s.Resource) })));
  });

  // X-Ray writes, log delivery, task-token answers and listing a table's streams (which the outbox's event
  // source mapping checks for) are the actions here with no resource-level permissions.
  it('grants actions on every resource ("*") only where AWS offers nothing narrower', () => {
    const unscoped = statements.filter((s) => s.resources.includes('*'));
    expect(unscoped.length).toBeGreaterThan(0);
    for (const { owner, actions } of unscoped) {
      for (const action of actions) expect(action, owner).toMatch(/^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)|states:(SendTaskSuccess|SendTaskFailure|SendTaskHeartbeat)|dynamodb:ListStreams)$/);
    }
  });

  it('grants wildcard KMS actions only on the one data key', () => {
    const keyId = Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::KMS::Key' && id.startsWith('DataKey'));
    const wildcardKms = statements.filter((s) => s.actions.some((a) => a.startsWith('kms:') && a.includes('*')));
    expect(wildcardKms.length).toBeGreaterThan(0);
    for (const { owner, resources: targets } of wildcardKms) expect(targets, owner).toEqual([{ 'Fn::GetAtt': [keyId, 'Arn'] }]);
  });

  // Each of these is checked by test/infra/referral-stack.test.ts to run a function that verifies the staff token first.
  const AGENCY_API = [
    'GET /api/referrals/{reference}', 'GET /api/teams/{teamId}/assignments', 'GET /api/reports/throughput',
    'POST /api/referrals/{reference}/assignments/{teamId}/acknowledge', 'POST /api/referrals/{reference}/assignments/{teamId}/decline',
    'POST /api/referrals/{reference}/assignments/{teamId}/contact-attempts', 'POST /api/referrals/{reference}/assignments/{teamId}/outcome',
    'POST /api/referrals/{reference}/erase', 'POST /api/referrals/{reference}/reassign', 'POST /api/referrals/{reference}/signpost',
  ];

  it('leaves without an authoriser only the routes anyone may call (the front door, the referral form, the health check, the API contract), the portal, which checks its own sessions, and the agency API, whose functions verify the token (functions/http/staff-token.ts)', () => {
    const open = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && (r.Properties.AuthorizationType ?? 'NONE') === 'NONE')
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(open).toEqual([
      'GET /', 'GET /api/openapi.json', 'GET /assets/{proxy+}', 'GET /healthz', 'GET /portal', 'GET /portal/{proxy+}', 'GET /refer', 'GET /refer/{page}', 'GET /reports',
      'POST /api/referrals', 'POST /portal/{proxy+}', 'POST /refer/{page}',
      ...AGENCY_API,
    ].sort());
  });
});
