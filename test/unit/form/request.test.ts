import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getFormSession, saveFormSession } from '../../../functions/adapters/form-session-store.js';
import { dispatch, withOpenSession, withPostedAnswers, type FormRequest } from '../../../functions/form/request.js';
import { aSession, CSRF, END_SESSION, formRequest, NOW, SESSION_ID, wordsOf } from '../../support/form-request.js';

vi.mock('../../../functions/adapters/form-session-store.js', () => ({
  FORM_SESSION_SECONDS: 3600, getFormSession: vi.fn(), saveFormSession: vi.fn(), deleteFormSession: vi.fn(), markFormSessionSent: vi.fn(),
}));

beforeEach(() => vi.clearAllMocks());

const shown = { statusCode: 200, body: 'the page' };
const show = vi.fn(async () => shown);

describe('opening a page of the form', () => {
  it('starts a new form, with a session cookie only scripts cannot read, from the first question only', async () => {
    const page = await withOpenSession(show)(formRequest('danger'));
    expect(page).toBe(shown);
    expect(saveFormSession).toHaveBeenCalledWith({ id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), csrf: expect.any(String), answers: {} }, NOW);
    const [, session, cookies] = show.mock.calls[0] as unknown as [FormRequest, { id: string }, string[]];
    expect(cookies).toEqual([`referral-form=${session.id}; Path=/refer; Max-Age=3600; HttpOnly; SameSite=Strict; Secure`]);
  });

  it('sends them back to the start from any other page when they have no form open', async () => {
    const page = await withOpenSession(show)(formRequest('name'));
    expect(page.statusCode).toBe(303);
    expect(page.headers?.location).toBe('/refer');
    expect(saveFormSession).not.toHaveBeenCalled();
    expect(show).not.toHaveBeenCalled();
  });

  it('shows the page of a form they are filling in, with no new cookie', async () => {
    vi.mocked(getFormSession).mockResolvedValue(aSession());
    await withOpenSession(show)(formRequest('name', { cookie: SESSION_ID }));
    expect(getFormSession).toHaveBeenCalledWith(SESSION_ID, NOW);
    expect(show).toHaveBeenCalledWith(expect.anything(), aSession(), []);
  });

  it('shows nothing of a form once it is sent, and clears its cookie', async () => {
    vi.mocked(getFormSession).mockResolvedValue(aSession({ reference: 'SR-K7QD-3MXA' }));
    const page = await withOpenSession(show)(formRequest('check', { cookie: SESSION_ID }));
    expect(page.headers?.location).toBe('/refer');
    expect(page.cookies).toEqual([END_SESSION]);
    expect(show).not.toHaveBeenCalled();
  });
});

describe('posting an answer', () => {
  const take = vi.fn(async () => shown);

  it('takes it with the session\'s own form token', async () => {
    vi.mocked(getFormSession).mockResolvedValue(aSession());
    const page = await withPostedAnswers(take)(formRequest('name', { cookie: SESSION_ID, form: { csrf: CSRF, 'victim.firstName': 'Ceri' } }));
    expect(page).toBe(shown);
    const [, , form] = take.mock.calls[0] as unknown as [FormRequest, unknown, URLSearchParams];
    expect(form.get('victim.firstName')).toBe('Ceri');
  });

  it('tells them their answers were deleted, and keeps nothing, when the form token is not the session\'s', async () => {
    vi.mocked(getFormSession).mockResolvedValue(aSession());
    const page = await withPostedAnswers(take)(formRequest('name', { cookie: SESSION_ID, form: { csrf: 'guessed' } }));
    expect(page.statusCode).toBe(400);
    expect(wordsOf(page.body)).toContain('Your answers have been deleted');
    expect(take).not.toHaveBeenCalled();
  });

  it('tells them their answers were deleted when the session has expired', async () => {
    vi.mocked(getFormSession).mockResolvedValue(undefined);
    const page = await withPostedAnswers(take)(formRequest('name', { cookie: SESSION_ID, form: { csrf: CSRF } }));
    expect(page.statusCode).toBe(400);
    expect(take).not.toHaveBeenCalled();
  });
});

describe('finding the route for a request', () => {
  const routes = {
    'GET /refer': vi.fn(async () => ({ statusCode: 200, body: 'start' })),
    '* /refer/exit': vi.fn(async () => ({ statusCode: 303, body: 'exit' })),
    'GET /refer/check': vi.fn(async () => ({ statusCode: 200, body: 'check' })),
    'GET /refer/{page}': vi.fn(async () => ({ statusCode: 200, body: 'question' })),
  };
  const request = (method: string, pageId: string) => {
    const { event } = formRequest(pageId);
    return dispatch(routes)({ ...event, pathParameters: pageId ? { page: pageId } : undefined, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method } } });
  };

  it('gives a page its own route before the question pages\' route', async () => {
    expect((await request('GET', 'check')).body).toBe('check');
    expect((await request('GET', 'name')).body).toBe('question');
    expect((await request('GET', '')).body).toBe('start');
  });

  it('lets them leave with Exit this page however the browser asks', async () => {
    expect((await request('POST', 'exit')).body).toBe('exit');
  });

  it('sends anything the form has no route for back to the start', async () => {
    const answer = await request('PUT', 'name');
    expect(answer.statusCode).toBe(303);
    expect(answer.headers?.location).toBe('/refer');
  });

  it('hands every route the same moment and a cookie that ends the session', async () => {
    await request('GET', 'name');
    const [given] = routes['GET /refer/{page}'].mock.calls.at(-1) as unknown as [FormRequest];
    expect(given.pageId).toBe('name');
    expect(given.endSession).toEqual([END_SESSION]);
    expect(given.now).toBeInstanceOf(Date);
  });
});
