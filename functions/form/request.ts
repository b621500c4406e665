import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { FORM_SESSION_SECONDS, getFormSession, saveFormSession, type FormSession } from '../adapters/form-session-store.js';
import { formBody, newSecret, redirect, sameToken } from '../http/pages.js';
import { answersDeleted } from './endings.js';
import { sessionCookie, sessionIdFrom } from './session-cookie.js';

export type Result = APIGatewayProxyStructuredResultV2;

export interface FormRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly now: Date;
  /** The `{page}` of /refer/{page}: '' for /refer itself. */
  readonly pageId: string;
  /** Expires the session cookie, for the pages after which nothing of the form may be opened again here. */
  readonly endSession: string[];
}

export type Route = (request: FormRequest) => Promise<Result>;
/** A page of a session still being filled in; `cookies` is the cookie that starts it, on its first page. */
export type SessionPage = (request: FormRequest, session: FormSession, cookies: string[]) => Promise<Result>;
/** A post that came with its session's own form token. */
export type SessionPost = (request: FormRequest, session: FormSession, form: URLSearchParams) => Promise<Result>;

/**
 * Finds a request's route: its own method and page, then any method to that page, then the question
 * pages' route for the method. Anything else goes back to the start.
 */
export function dispatch(routes: Readonly<Record<string, Route>>) {
  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const pageId = event.pathParameters?.page ?? '';
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.routeKey === 'GET /' ? '/' : pageId === '' ? '/refer' : `/refer/${pageId}`;
    const route = routes[`${method} ${path}`] ?? routes[`* ${path}`] ?? routes[`${method} /refer/{page}`];
    if (!route) return redirect('/refer');
    return route({ event, now: new Date(), pageId, endSession: [sessionCookie('', event, 0)] });
  };
}

export const sessionOf = async ({ event, now }: FormRequest): Promise<FormSession | undefined> => {
  const id = sessionIdFrom(event);
  return id ? getFormSession(id, now) : undefined;
};

/** Only the first question starts a session: any other page without one goes back to the start. */
export const withOpenSession = (show: SessionPage): Route => async (request) => {
  const existing = await sessionOf(request);
  // A sent session is over: its pages, and its confirmation once shown, are not shown again.
  if (existing?.reference) return redirect('/refer', request.endSession);
  if (existing) return show(request, existing, []);
  if (request.pageId !== 'danger') return redirect('/refer');
  const session: FormSession = { id: newSecret(), csrf: newSecret(), answers: {} };
  await saveFormSession(session, request.now);
  return show(request, session, [sessionCookie(session.id, request.event, FORM_SESSION_SECONDS)]);
};

/** A post without a live session and its form token is not kept, whatever it says. */
export const withPostedAnswers = (take: SessionPost): Route => async (request) => {
  const session = await sessionOf(request);
  const form = formBody(request.event);
  if (!session || !form || !sameToken(session.csrf, form.get('csrf'))) return answersDeleted();
  return take(request, session, form);
};
