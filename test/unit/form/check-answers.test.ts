import { beforeEach, describe, expect, it, vi } from 'vitest';
import { saveFormSession } from '../../../functions/adapters/form-session-store.js';
import { showCheckAnswers } from '../../../functions/form/check-answers.js';
import { aSession, completeAnswers, CSRF, formRequest, NOW, wordsOf } from '../../support/form-request.js';

vi.mock('../../../functions/adapters/form-session-store.js', () => ({
  FORM_SESSION_SECONDS: 3600, getFormSession: vi.fn(), saveFormSession: vi.fn(), deleteFormSession: vi.fn(), markFormSessionSent: vi.fn(),
}));

beforeEach(() => vi.clearAllMocks());

describe('check your answers', () => {
  it('lists each answer given under its topic, with a Change link to its page', async () => {
    const page = await showCheckAnswers(formRequest('check'), aSession({ answers: completeAnswers() }), []);
    const words = wordsOf(page.body);
    expect(page.statusCode).toBe(200);
    expect(words).toContain('About you');
    expect(words).toContain('Name Ceri Penhallow');
    expect(String(page.body)).toContain('<a class="govuk-link" href="/refer/name">Change<span class="govuk-visually-hidden"> name');
    expect(words).not.toContain('Can we share');
  });

  it('leaves out what they did not answer', async () => {
    const page = await showCheckAnswers(formRequest('check'), aSession({ answers: completeAnswers({ 'needs.language': '' }) }), []);
    expect(wordsOf(page.body)).not.toMatch(/Language|interpreter/i);
    const withLanguage = await showCheckAnswers(formRequest('check'), aSession({ answers: completeAnswers({ 'needs.language': 'Welsh' }) }), []);
    expect(wordsOf(withLanguage.body)).toContain('Welsh');
  });

  it('shows a summed-up answer line by line, with what they typed kept as text', async () => {
    const answers = completeAnswers({ 'victim.safeContact.methods': ['letter'], 'victim.address': '1 <High> St' });
    const page = await showCheckAnswers(formRequest('check'), aSession({ answers }), []);
    expect(String(page.body)).toContain('1 &lt;High&gt; St');
    expect(String(page.body)).not.toContain('<High>');
  });

  it('sends with the session\'s form token and a trap field no person fills in', async () => {
    const page = await showCheckAnswers(formRequest('check'), aSession({ answers: completeAnswers() }), []);
    expect(String(page.body)).toContain('<form method="post" action="/refer/confirmation" novalidate>');
    expect(String(page.body)).toContain(`name="csrf" value="${CSRF}"`);
    expect(String(page.body)).toContain('name="website"');
  });

  it('brings them back here after any change they make from it', async () => {
    await showCheckAnswers(formRequest('check'), aSession({ answers: completeAnswers() }), []);
    expect(saveFormSession).toHaveBeenCalledWith(expect.objectContaining({ reviewing: true }), NOW);
  });
});
