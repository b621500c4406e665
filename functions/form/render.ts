import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * In the Lambda bundle the templates and GOV.UK Frontend's files are copied beside the handler (see the
 * stack's bundling hooks); run from the project, they are read where they live.
 */
function firstExisting(candidates: (() => string)[]): string {
  for (const candidate of candidates) {
    try {
      const dir = candidate();
      if (existsSync(dir)) return dir;
    } catch { /* not installed here: try the next place */ }
  }
  throw new Error('Form templates or GOV.UK Frontend not found');
}

export const templatesDir = firstExisting([() => path.join(here, 'templates'), () => path.join(here, '..', 'templates')]);
/** GOV.UK Frontend's dist folder: `govuk/template.njk`, `govuk/components/...`, `govuk/assets/...`. */
export const govukDir = firstExisting([
  () => path.join(here, 'govuk-frontend'),
  () => path.join(path.dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist'),
]);

const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader([templatesDir, govukDir]), { autoescape: true });

export function render(template: string, context: Record<string, unknown>): string {
  return environment.render(template, context);
}

const MACROS: Record<string, [file: string, name: string]> = {
  input: ['input', 'govukInput'],
  textarea: ['textarea', 'govukTextarea'],
  radios: ['radios', 'govukRadios'],
  checkboxes: ['checkboxes', 'govukCheckboxes'],
  date: ['date-input', 'govukDateInput'],
};

/** One GOV.UK component as HTML, for a component inside another (a conditional reveal's question). */
export function renderComponent(macro: string, params: Record<string, unknown>): string {
  const [file, name] = MACROS[macro] ?? (() => { throw new Error(`No GOV.UK component "${macro}"`); })();
  return environment.renderString(`{% from "govuk/components/${file}/macro.njk" import ${name} %}{{ ${name}(params) }}`, { params });
}
