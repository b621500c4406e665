import { beforeEach, describe, expect, it, vi } from 'vitest';
import { deleteFormSession } from '../../../functions/adapters/form-session-store.js';
import { leave, showFrontDoor, showStart } from '../../../functions/form/front-door.js';
import { END_SESSION, formRequest, SESSION_ID, wordsOf } from '../../support/form-request.js';

vi.mock('../../../functions/adapters/form-session-store.js', () => ({
  FORM_SESSION_SECONDS: 3600, getFormSession: vi.fn(), saveFormSession: vi.fn(), deleteFormSession: vi.fn(), markFormSessionSent: vi.fn(),
}));

beforeEach(() => vi.clearAllMocks());

describe('the way in and the way out', () => {
  it('offers the form at the bare address, and staff the way to the portal', async () => {
    const page = await showFrontDoor(formRequest(''));
    expect(wordsOf(page.body)).toContain('You do not need to have told the police.');
    expect(String(page.body)).toContain('href="/portal"');
  });

  it('tells them how long it takes and that answers are deleted after an hour before they start', async () => {
    const page = await showStart(formRequest(''));
    expect(page.statusCode).toBe(200);
    expect(wordsOf(page.body)).toContain('It takes about 10 minutes.');
    expect(wordsOf(page.body)).toContain('If you stop for an hour, they are deleted.');
    expect(String(page.body)).toContain('href="/refer/danger"');
  });

  it('deletes their answers and clears the cookie when they leave with Exit this page, for a site that says nothing of us', async () => {
    const page = await leave(formRequest('exit', { cookie: SESSION_ID }));
    expect(page.statusCode).toBe(303);
    expect(page.headers?.location).toBe('https://www.bbc.co.uk/weather');
    expect(page.cookies).toEqual([END_SESSION]);
    expect(deleteFormSession).toHaveBeenCalledWith(SESSION_ID);
  });

  it('leaves at once when there is nothing to delete', async () => {
    const page = await leave(formRequest('exit'));
    expect(page.headers?.location).toBe('https://www.bbc.co.uk/weather');
    expect(deleteFormSession).not.toHaveBeenCalled();
  });
});
