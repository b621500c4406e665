import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/constructs/referral-function.js';
import { apiContract } from '../../functions/http/api-contract.js';

const run = promisify(execFile);
const NOW = new Date('2026-11-18T10:00:00Z');
const document = apiContract({ serverUrl: 'https://a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com', tokenUrl: '/oauth2/token' }, NOW);
const fixture = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/referral.json'), 'utf8')) as Record<string, unknown>;

// The lint is part of the suite, not an optional extra: a missing CLI fails here rather than passing quietly.
// REDOCLY_CLI may name another copy of the same version.
const REDOCLY = process.env.REDOCLY_CLI ?? path.join(PROJECT_ROOT, 'node_modules/.bin/redocly');
const workdir = mkdtempSync(path.join(tmpdir(), 'api-contract-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

type Schemas = Record<string, Record<string, unknown>>;
const schemas = (document.components as { schemas: Schemas }).schemas;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const accepts = (schema: string, body: unknown) => ajv.validate(schemas[schema]!, body);

describe('the OpenAPI document', () => {
  it('passes redocly lint with no errors and no warnings', async () => {
    expect(existsSync(REDOCLY), `@redocly/cli is not installed at ${REDOCLY}: run npm install`).toBe(true);
    const file = path.join(workdir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const outcome = await run(REDOCLY, ['lint', file, '--format=json'], { cwd: workdir }).catch((error: { stdout: string; stderr: string; code: number }) => error);
    const report = JSON.parse(outcome.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('is OpenAPI 3.1 with a bearer scheme for staff and client credentials with referrals/submit for partners', () => {
    expect(document.openapi).toBe('3.1.0');
    const { securitySchemes } = document.components as { securitySchemes: Record<string, Record<string, unknown>> };
    expect(securitySchemes.staffToken).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(securitySchemes.partnerClient).toMatchObject({
      type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/oauth2/token', scopes: { 'referrals/submit': expect.any(String) } } },
    });
  });

  it('lets anyone make a referral, and partners with their token', () => {
    const paths = document.paths as Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
    const submit = paths['/api/referrals']!.post!;
    expect(submit.security).toEqual([{}, { partnerClient: ['referrals/submit'] }]);
    expect(Object.keys(submit.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '413', '415', '429', '503']));
    expect(paths['/api/referrals/{reference}/reassign']!.post!.security).toEqual([{ staffToken: [] }]);
  });

  it('accepts the fixture referral and refuses a known-bad one', () => {
    expect(accepts('Referral', fixture), JSON.stringify(ajv.errors)).toBe(true);
    expect(accepts('Referral', { ...fixture, source: 'sheriff' })).toBe(false);
    expect(accepts('Referral', { ...fixture, victim: undefined })).toBe(false);
    expect(accepts('Referral', { ...fixture, notAField: true })).toBe(false);
    expect(accepts('Referral', { ...fixture, incident: { ...(fixture.incident as object), timesCount: 'lots' } })).toBe(false);
  });

  it('describes the staff actions’ bodies as their handlers check them', () => {
    expect(accepts('Reassignment', { toTeamId: 'victim-care', reason: 'Closer to where she lives' })).toBe(true);
    expect(accepts('Reassignment', { toTeamId: 'Victim Care!', reason: 'Closer to where she lives' })).toBe(false);
    expect(accepts('DeclineReason', { reason: 'No capacity this week', extra: 1 })).toBe(false);
    expect(accepts('Signposting', {})).toBe(false);
    expect(accepts('ContactAttempt', { at: '2026-11-18T09:30:00Z', method: 'phone', reached: false })).toBe(true);
    expect(accepts('ContactAttempt', { at: 'yesterday', method: 'phone', reached: false })).toBe(false);
    expect(accepts('Outcome', { outcome: 'support-accepted', reason: 'Safety plan agreed' })).toBe(true);
    expect(accepts('Outcome', { outcome: 'went-well', reason: 'Safety plan agreed' })).toBe(false);
  });
});
