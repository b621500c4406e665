import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { AgencySignIn } from '../../lib/constructs/agency-sign-in.js';

const GROUPS = [
  { name: 'mdvs', description: 'Stalking and domestic violence service' },
  { name: 'victim-care', description: 'Victim care hub' },
  { name: 'coordinator-merseyside', description: 'Coordinators for Merseyside' },
  { name: 'commissioner-merseyside', description: "Commissioner's office for Merseyside" },
];

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function signInStack(groups = GROUPS) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'agency-sign-in-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'SignInOnly', { env: { region: 'eu-west-2' } });
  const signIn = new AgencySignIn(stack, 'SignIn', { groups });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, signIn };
}

describe('agency sign-in', () => {
  const { app, stack, signIn } = signInStack();
  const template = Template.fromStack(stack);

  it('always asks for an authenticator code, and only an authenticator app can give one', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  it('asks for long passwords with every kind of character', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true,
        }),
      },
    });
  });

  it('lets only an administrator create accounts, recovers them by email alone, and is kept if the stack goes', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      DeletionProtection: 'ACTIVE',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('creates one group per role it is given, and no others', () => {
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup'))
      .map((r) => (r as { Properties: { GroupName: string; Description: string } }).Properties);
    expect(groups.map((g) => g.GroupName).sort()).toEqual(GROUPS.map((g) => g.name).sort());
    expect(groups.find((g) => g.GroupName === 'victim-care')?.Description).toBe('Victim care hub');
  });

  it('has one public client that signs in with a password or SRP and hands out one-hour access tokens', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      // With rotation on, refreshing goes through GetTokensFromRefreshToken, not a REFRESH_TOKEN_AUTH flow.
      ExplicitAuthFlows: Match.arrayEquals(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      PreventUserExistenceErrors: 'ENABLED',
      AccessTokenValidity: 60,
      TokenValidityUnits: Match.objectLike({ AccessToken: 'minutes' }),
      RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 },
      EnableTokenRevocation: true,
    });
  });

  it("gives the authorizer the pool's issuer, its key set and the client id", () => {
    const environment = stack.resolve(signIn.environment()) as Record<string, unknown>;
    const poolRef = { Ref: stack.getLogicalId(signIn.userPool.node.defaultChild as never) };
    expect(environment.JWT_ISSUER).toEqual({ 'Fn::Join': ['', ['https://cognito-idp.eu-west-2.amazonaws.com/', poolRef]] });
    expect(environment.JWKS_URI).toEqual({ 'Fn::Join': ['', ['https://cognito-idp.eu-west-2.amazonaws.com/', poolRef, '/.well-known/jwks.json']] });
    expect(environment.USER_POOL_CLIENT_ID).toEqual({ Ref: stack.getLogicalId(signIn.client.node.defaultChild as never) });
  });

  it('synthesizes with every AwsSolutions check passing and nothing acknowledged', () => {
    expect(() => app.synth()).not.toThrow();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    const acknowledged = app.node.findAll().flatMap((c) => c.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(acknowledged).toEqual([]);
  });

  it('refuses a group name the authorizer could not pass on intact', () => {
    expect(() => signInStack([{ name: 'mdvs,victim-care', description: 'two teams at once' }])).toThrow(/without commas/);
    expect(() => signInStack([...GROUPS, GROUPS[0]!])).toThrow(/more than once: mdvs/);
  });
});
