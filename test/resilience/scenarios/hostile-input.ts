import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_QUESTIONS, type Field, type Question } from '../../../functions/form/questions.js';
import { LocalCloudClient } from '../../support/local-cloud-client.js';
import { aReferral, type ReferralBody } from '../../support/referrals.js';
import { marker, recordFigures, recordPersonalDetails } from '../../support/resilience-ledger.js';
import type { ResilienceRig } from '../../support/resilience-rig.js';

const API_RUNS = 700;
const FORM_RUNS = 400;
const VALID_BUT_ODD_RUNS = 40;
const M = marker('rzhostile');
const ACCEPTED_MARKER = marker('rzodd');

/** Markup that must come back escaped wherever it is echoed; each names the run's marker. */
const MARKUP = [
  `<script>alert('${M}')</script>`,
  `"><img src=x onerror=alert('${M}')>`,
  `</textarea><script>${M}</script>`,
  `<svg/onload=${M}>`,
  `'><iframe src=javascript:${M}>`,
  `{{ '${M}' }}{% raw %}<b>${M}</b>`,
];
const ODD_UNICODE = ['\u{1F600}\u{1F469}\u200D\u{1F467}', 'Zoë\u0301 Ångström', '\uFEFFBOM', 'ﬁﬂ ＦＵＬＬ', 'a\u200Bb\u200Cc', '\uD800lone', 'ǅ𝔘𝔫𝔦', 'مرحبا'];
/** Each forbidden in a single-line answer (names, subjects' sources); all but CR, LF and tab also in a description. */
const CONTROL = ['\u0000', '\u0007', '\u001B', '\u007F', '\u0085', '\u2028', '\u202E', '\u2066', '\r\nBcc: x@evil.example'];
const CONTROL_EVEN_MULTILINE = ['\u0000', '\u0007', '\u001B', '\u007F', '\u0085', '\u2028', '\u202E', '\u2066'];

const REQUIRED = [
  'source', 'victim', 'victim.firstName', 'victim.lastName', 'victim.postcode', 'victim.safeContact', 'victim.safeContact.methods',
  'victim.safeContact.voicemailOk', 'incident', 'incident.behaviours', 'incident.frequency', 'incident.firstDate', 'incident.latestDate',
  'incident.relationship', 'incident.description', 'incident.reportedToPolice', 'riskAnswers', 'riskAnswers.threatsToKill', 'housing',
  'housing.tenure', 'housing.needsSupport', 'consent', 'consent.shareWithServices', 'immediateDanger',
];
const SINGLE_LINE = ['victim.firstName', 'victim.lastName', 'victim.safeContact.safeTimes', 'incident.crimeReference', 'incident.officer'];
const TEXT = [...SINGLE_LINE, 'incident.description', 'victim.address'];
const ENUMS = ['source', 'incident.relationship', 'incident.frequency', 'housing.tenure', 'riskAnswers.veryFrightened'];
const OBJECTS = ['', 'victim', 'victim.safeContact', 'incident', 'riskAnswers', 'housing', 'consent'];

function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => leafPaths(inner, prefix ? `${prefix}.${key}` : key));
}
const LEAVES = leafPaths(aReferral());

function at(body: Record<string, unknown>, path: string): { parent: Record<string, unknown>; key: string } | undefined {
  const keys = path.split('.');
  let node: unknown = body;
  for (const key of keys.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'object' && node !== null ? { parent: node as Record<string, unknown>, key: keys.at(-1)! } : undefined;
}
const set = (body: Record<string, unknown>, path: string, value: unknown) => { const p = at(body, path); if (p) p.parent[p.key] = value; };
const get = (body: Record<string, unknown>, path: string) => { const p = at(body, path); return p?.parent[p.key]; };

function nested(depth: number, asArray: boolean): unknown {
  let value: unknown = M;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

type Mutation = { label: string; apply: (body: Record<string, unknown>) => void };
const hostileText = fc.oneof(fc.constantFrom(...MARKUP), fc.constantFrom(...ODD_UNICODE), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
const anyJson = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }), hostileText);
const differentType = (original: unknown) => anyJson.filter((v) => typeof v !== typeof original || Array.isArray(v) !== Array.isArray(original) || (v === null) !== (original === null));

/** Always makes the referral invalid. */
const defect: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...LEAVES).chain((path) => differentType(get(aReferral(), path)).map((value) => ({
    label: `wrong type at ${path}: ${JSON.stringify(value)?.slice(0, 40)}`, apply: (b: Record<string, unknown>) => set(b, path, value),
  }))),
  fc.constantFrom(...REQUIRED).map((path) => ({ label: `missing ${path}`, apply: (b: Record<string, unknown>) => { const p = at(b, path); if (p) delete p.parent[p.key]; } })),
  fc.tuple(fc.constantFrom(...OBJECTS), fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('__proto__', 'constructor', 'toString', `<b>${M}</b>`, 'x\r\ny')), anyJson)
    .filter(([, key]) => key !== 'a')
    .map(([path, key, value]) => ({
      label: `extra ${path || '(top)'}.${JSON.stringify(key)}`,
      apply: (b: Record<string, unknown>) => {
        const target = path ? get(b, path) : b;
        // A key that is already a field (or inherited) would not be extra: mark it as ours instead.
        if (typeof target === 'object' && target !== null) Object.defineProperty(target, Object.hasOwn(target, key) || key in {} ? `${key}${M}` : key, { value: value ?? M, enumerable: true, writable: true, configurable: true });
      },
    })),
  fc.tuple(fc.constantFrom(...TEXT), fc.integer({ min: 5_001, max: 90_000 })).map(([path, length]) => ({
    label: `huge ${path} (${length})`, apply: (b: Record<string, unknown>) => set(b, path, `${M} ${'<script>x'.repeat(Math.ceil(length / 9))}`),
  })),
  fc.tuple(fc.constantFrom(...OBJECTS.slice(1), ...TEXT), fc.integer({ min: 50, max: 3_000 }), fc.boolean()).map(([path, depth, asArray]) => ({
    label: `nested ${depth} deep at ${path}`, apply: (b: Record<string, unknown>) => set(b, path, nested(depth, asArray)),
  })),
  fc.tuple(fc.constantFrom(...SINGLE_LINE), fc.constantFrom(...CONTROL), hostileText).map(([path, control, text]) => ({
    label: `control ${JSON.stringify(control)} in ${path}`, apply: (b: Record<string, unknown>) => set(b, path, `Ann${control}${text}${M}`),
  })),
  fc.tuple(fc.constantFrom('incident.description', 'victim.address'), fc.constantFrom(...CONTROL_EVEN_MULTILINE)).map(([path, control]) => ({
    label: `control ${JSON.stringify(control)} in ${path}`, apply: (b: Record<string, unknown>) => set(b, path, `Line one${control}${M}`),
  })),
  fc.tuple(fc.constantFrom(...ENUMS), hostileText).map(([path, value]) => ({
    label: `not an option at ${path}`, apply: (b: Record<string, unknown>) => set(b, path, `${value}${M}`),
  })),
);

/** May or may not be valid on its own: hostile text where free text is allowed. */
const decoration: fc.Arbitrary<Mutation> = fc.tuple(fc.constantFrom(...TEXT, 'referrer.name'), hostileText)
  .map(([path, text]) => ({ label: `${path} = ${JSON.stringify(text).slice(0, 40)}`, apply: (b: Record<string, unknown>) => set(b, path, `${text} ${M}`) }));

type Request = { label: string; contentType: string; text: string; markup: string[] };

const apiRequest: fc.Arbitrary<Request> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.array(defect, { minLength: 1, maxLength: 3 }), fc.array(decoration, { maxLength: 3 })).map(([defects, decorations]) => {
    const body = aReferral() as unknown as Record<string, unknown>;
    set(body, 'incident.description', `Followed me home. ${M}`);
    for (const m of [...decorations, ...defects]) m.apply(body);
    return { label: [...defects, ...decorations].map((m) => m.label).join('; '), contentType: 'application/json', text: JSON.stringify(body), markup: [] };
  }) },
  { weight: 1, arbitrary: fc.oneof(
    anyJson.map((v) => ({ label: `not an object: ${JSON.stringify(v)?.slice(0, 40)}`, text: JSON.stringify([v, M]) })),
    fc.nat({ max: 400 }).map((cut) => ({ label: `truncated JSON at ${cut}`, text: JSON.stringify(aReferral((b) => { b.incident.description = M; })).slice(0, cut) })),
    fc.constantFrom('', 'null', '"x"', '[]', '{', '{"source":"self",}', `<referral>${M}</referral>`).map((text) => ({ label: `body ${JSON.stringify(text)}`, text })),
    fc.integer({ min: 2, max: 6_000 }).map((depth) => ({ label: `JSON nested ${depth} deep`, text: `${'['.repeat(depth)}"${M}"${']'.repeat(depth)}` })),
  ).map((r) => ({ ...r, contentType: 'application/json', markup: [] })) },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'text/html', 'application/jsonx', 'multipart/form-data; boundary=x')
    .map((contentType) => ({ label: `content-type ${contentType}`, contentType, text: JSON.stringify(aReferral((b) => { b.incident.description = `<script>${M}</script>`; })), markup: [] })) },
);

/** One form page's answers with at least one that cannot be accepted. */
function formAnswers(question: Question): fc.Arbitrary<{ fields: [string, string][]; label: string; markup: string[] }> {
  const valueFor = (field: Field): fc.Arbitrary<[string, string][]> => {
    if (field.kind === 'date') return fc.tuple(hostileText, hostileText, hostileText).map(([d, m, y]) => [[`${field.name}-day`, d], [`${field.name}-month`, m], [`${field.name}-year`, y]]);
    return hostileText.map((text) => [[field.name, `${text}${M}`]]);
  };
  const broken = (field: Field): fc.Arbitrary<[string, string][]> => {
    if (field.kind === 'date') return fc.constantFrom(...MARKUP).map((text) => [[`${field.name}-day`, text], [`${field.name}-month`, '13'], [`${field.name}-year`, '20x6']]);
    if (field.kind === 'text' || field.kind === 'textarea') {
      return fc.oneof(
        fc.tuple(fc.constantFrom(...(field.kind === 'text' ? CONTROL : CONTROL_EVEN_MULTILINE)), fc.constantFrom(...MARKUP))
          .map(([control, text]) => [[field.name, `${text}${control}${M}`]] as [string, string][]),
        fc.constantFrom(...MARKUP).map((text) => [[field.name, `${text} `.repeat(Math.ceil(5_100 / text.length))]] as [string, string][]),
      );
    }
    // Radios and checkboxes: a value that is not one of the options.
    return fc.constantFrom(...MARKUP, ...ODD_UNICODE).map((text) => [[field.name, `${text}${M}`]]);
  };
  return fc.tuple(fc.nat({ max: question.fields.length - 1 }), ...question.fields.map(valueFor))
    .chain(([index, ...values]) => broken(question.fields[index]!).map((bad) => {
      const fields = values.flatMap((v, i) => (i === index ? bad : v));
      return { fields, label: `${question.id}: ${question.fields[index]!.name} broken`, markup: fields.map(([, v]) => v).filter((v) => v.includes('<')) };
    }));
}

interface Failure { input: string; got: string }

export function hostileInput(rig: ResilienceRig): void {
  const client = new LocalCloudClient(rig.cloud);
  const failures = { api: [] as Failure[], form: [] as Failure[], validButOdd: [] as Failure[] };
  const tried = { api: 0, form: 0, validButOdd: 0 };

  describe('hostile input', () => {
    it(`POST /api/referrals answers ${API_RUNS} property-generated bad payloads with 4xx field errors, never a 5xx`, async () => {
      await fc.assert(fc.asyncProperty(apiRequest, async (request) => {
        tried.api++;
        const response = await fetch(`${rig.cloud.apiUrl}/api/referrals`, {
          method: 'POST', headers: { 'content-type': request.contentType }, body: request.text, signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        let errors: unknown;
        try { errors = (JSON.parse(text) as { errors?: unknown }).errors; } catch { errors = undefined; }
        const wellFormed = Array.isArray(errors) && errors.length > 0
          && errors.every((e) => typeof (e as { path?: unknown }).path === 'string' && typeof (e as { message?: unknown }).message === 'string');
        const ok = response.status >= 400 && response.status < 500 && wellFormed && /^application\/json/.test(response.headers.get('content-type') ?? '');
        if (!ok && failures.api.length < 20) failures.api.push({ input: `${request.label} | ${request.contentType} | ${request.text.slice(0, 300)}`, got: `${response.status} ${text.slice(0, 300)}` });
      }), { numRuns: API_RUNS, seed: Number(process.env.RESILIENCE_SEED ?? Date.now() % 2 ** 31) });
      expect(failures.api).toEqual([]);
    }, 180_000);

    it(`the online form answers ${FORM_RUNS} property-generated bad pages with a 400 error summary, every echoed value escaped`, async () => {
      const start = await fetch(`${rig.cloud.apiUrl}/refer/danger`, { redirect: 'manual' });
      const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
      const csrf = /name="csrf" value="([^"]+)"/.exec(await start.text())?.[1];
      expect(cookie).toMatch(/^referral-form=/);
      expect(csrf).toBeDefined();
      // Answers that make every conditional page apply (a helper; email as a safe way), so that each page's
      // bad answers are checked; a page that does not apply takes nothing (test/integration/form-changes).
      for (const [page, fields] of [
        ['helper', [['form.forSomeoneElse', 'yes']]],
        ['contact', [['victim.safeContact.methods', 'email'], ['victim.email', 'hostile-input@example.org']]],
      ] as [string, [string, string][]][]) {
        const answer = await fetch(`${rig.cloud.apiUrl}/refer/${page}`, {
          method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams([['csrf', csrf!], ...fields]).toString(),
        });
        expect(answer.status, page).toBe(303);
      }
      const questions = ALL_QUESTIONS.filter((q) => q.fields.length > 0);
      await fc.assert(fc.asyncProperty(fc.constantFrom(...questions).chain((q) => formAnswers(q).map((answers) => ({ q, answers }))), fc.array(fc.tuple(fc.string({ maxLength: 20 }), hostileText), { maxLength: 3 }), async ({ q, answers }, extra) => {
        tried.form++;
        const form = new URLSearchParams([['csrf', csrf!], ...answers.fields, ...extra.map(([k, v]): [string, string] => [`${k}${M}`, `${v}${M}`])]);
        const response = await fetch(`${rig.cloud.apiUrl}/refer/${q.id}`, {
          method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(),
          signal: AbortSignal.timeout(30_000),
        });
        const html = await response.text();
        const unescaped = answers.markup.filter((value) => html.includes(value) || new RegExp(`<script[^>]*>[^<]*${M}`).test(html));
        const ok = response.status === 400 && /^text\/html/.test(response.headers.get('content-type') ?? '')
          && html.includes('govuk-error-summary') && unescaped.length === 0;
        if (!ok && failures.form.length < 20) {
          failures.form.push({ input: `${answers.label} | ${form.toString().slice(0, 300)}`, got: `${response.status} ${unescaped.length ? `unescaped: ${unescaped[0]!.slice(0, 80)}` : html.slice(0, 200)}` });
        }
      }), { numRuns: FORM_RUNS, seed: Number(process.env.RESILIENCE_SEED ?? Date.now() % 2 ** 31) });
      expect(failures.form).toEqual([]);
    }, 180_000);

    it('a valid referral with markup or odd Unicode in its free text is accepted or refused with field errors, never a 5xx', async () => {
      const accepted: ReferralBody[] = [];
      await fc.assert(fc.asyncProperty(fc.array(decoration.filter((d) => !d.label.startsWith('referrer')), { minLength: 1, maxLength: 3 }), async (decorations) => {
        tried.validButOdd++;
        const decorated = aReferral();
        for (const d of decorations) d.apply(decorated);
        // Stored if accepted: under a marker of its own, so the refused payloads' marker stays unstored.
        const body = JSON.parse(JSON.stringify(decorated).replaceAll(M, ACCEPTED_MARKER)) as ReferralBody;
        const response = await client.submit(body);
        const text = await response.text();
        if (response.status === 201) accepted.push(body);
        else if ((response.status !== 400 || !text.includes('"errors"')) && failures.validButOdd.length < 20) {
          failures.validButOdd.push({ input: `${decorations.map((d) => d.label).join('; ')} | ${JSON.stringify(body).slice(0, 200)}`, got: `${response.status} ${text.slice(0, 200)}` });
        }
      }), { numRuns: VALID_BUT_ODD_RUNS });
      recordPersonalDetails(rig, accepted);
      expect(failures.validButOdd).toEqual([]);
    }, 120_000);

    it('stores nothing from a refused payload', async () => {
      const fromRefused = await client.itemsContaining(M);
      recordFigures(rig, 'hostile-input', {
        payloadsTried: tried.api + tried.form, apiPayloads: tried.api, formPayloads: tried.form, validButOddTried: tried.validButOdd,
        apiFailures: failures.api.length, formFailures: failures.form.length, validButOddFailures: failures.validButOdd.length,
        failures, storedFromRefused: fromRefused.length,
      });
      expect(fromRefused.map((item) => `${String(item.pk)} ${String(item.sk)}`)).toEqual([]);
    }, 60_000);
  });
}
