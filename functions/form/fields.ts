import type { FieldError } from '../domain/referral.js';
import { fieldId, RISK_OPTIONS, YES_NO, type Answers, type Field } from './questions.js';
import { renderComponent } from './render.js';

/** How a field is shown: the page's only question is its heading; a revealed one is small, under its option. */
export type Placement = 'single' | 'one-of-several' | 'revealed';

/** The GOV.UK component that asks a field, and its parameters, filled in with the answers given so far. */
export function fieldParams(field: Field, answers: Answers, placement: Placement, errors: readonly FieldError[]): { macro: string; params: Record<string, unknown> } {
  const single = placement === 'single';
  const error = errors.find((e) => e.path === field.name);
  const errorMessage = error ? { text: error.message } : undefined;
  const id = fieldId(field.name);
  const legend = single
    ? { text: field.label, isPageHeading: true, classes: 'govuk-fieldset__legend--l' }
    : { text: field.label, classes: placement === 'revealed' ? 'govuk-fieldset__legend--s' : 'govuk-fieldset__legend--m' };
  const label = single ? { text: field.label, isPageHeading: true, classes: 'govuk-label--l' } : { text: field.label, classes: 'govuk-label--s' };
  const hint = field.hint ? { text: field.hint } : undefined;
  const value = answers[field.name];
  const revealed = (option: { reveal?: Field }) => {
    if (!option.reveal) return undefined;
    const inner = fieldParams(option.reveal, answers, 'revealed', errors);
    return { html: renderComponent(inner.macro, inner.params) };
  };
  switch (field.kind) {
    case 'yes-no':
    case 'risk':
    case 'radios': {
      const options = field.kind === 'yes-no' ? YES_NO : field.kind === 'risk' ? RISK_OPTIONS : field.options!;
      return {
        macro: 'radios',
        params: {
          name: field.name, idPrefix: id, fieldset: { legend }, hint, errorMessage,
          classes: field.kind === 'radios' ? undefined : 'govuk-radios--inline',
          items: options.map((o) => ({ value: o.value, text: o.text, checked: value === o.value, conditional: revealed(o) })),
        },
      };
    }
    case 'checkboxes':
      return {
        macro: 'checkboxes',
        params: {
          name: field.name, idPrefix: id, fieldset: { legend }, hint, errorMessage,
          items: field.options.map((o) => ({ value: o.value, text: o.text, checked: Array.isArray(value) && value.includes(o.value), conditional: revealed(o) })),
        },
      };
    case 'text':
      return {
        macro: 'input',
        params: {
          name: field.name, id, hint, errorMessage, value: typeof value === 'string' ? value : '', label,
          autocomplete: 'off', spellcheck: false, inputmode: field.inputmode, classes: field.width,
          type: field.inputmode === 'email' ? 'email' : field.inputmode === 'tel' ? 'tel' : 'text',
        },
      };
    case 'textarea':
      return {
        macro: 'textarea',
        params: { name: field.name, id, hint, errorMessage, value: typeof value === 'string' ? value : '', autocomplete: 'off', label },
      };
    case 'date': {
      const part = (p: string) => { const v = answers[`${field.name}-${p}`]; return typeof v === 'string' ? v : ''; };
      const errorClass = error ? ' govuk-input--error' : '';
      return {
        macro: 'date',
        params: {
          id, namePrefix: field.name, fieldset: { legend }, hint, errorMessage,
          items: [
            { name: 'day', label: 'Day', classes: `govuk-input--width-2${errorClass}`, value: part('day'), autocomplete: 'off' },
            { name: 'month', label: 'Month', classes: `govuk-input--width-2${errorClass}`, value: part('month'), autocomplete: 'off' },
            { name: 'year', label: 'Year', classes: `govuk-input--width-4${errorClass}`, value: part('year'), autocomplete: 'off' },
          ],
        },
      };
    }
  }
}
