import { NotAllowed, NotFound } from '../domain/refusals.js';
import { page } from '../http/pages.js';
import type { Result } from './router.js';

/** What every signed-in page's header needs. A type, not an interface: it is spread into templates' contexts. */
export type PageView = {
  /** What the navigation offers: a team inbox, all teams (coordinators), the reports, the professional referral form. */
  readonly user: { username: string; inbox: boolean; coordinator: boolean; reports: boolean; refer?: boolean };
  readonly csrf: string;
  readonly flash?: string;
};

export function messagePage(title: string, paragraphs: string[], statusCode: number, extra: Record<string, unknown> = {}): Result {
  return page('portal/message.njk', { title, paragraphs, ...extra }, [], statusCode);
}

export const notFound = (view?: PageView) => messagePage('Page not found', [
  'There is no referral or page here that your account can open. If you followed a link from an email, check that you are signed in with the account of the team it was sent to.',
], 404, { ...view, linkHref: '/portal/inbox', linkText: 'Go to your inbox' });

/** A form's answers in what the templates show: the error summary's links, and each field's own message. */
export function formErrors(errors: ReadonlyMap<string, string>): { errors: { text: string; href: string }[]; errorFor: Record<string, string> } {
  return { errors: [...errors].map(([field, text]) => ({ text, href: `#${field}` })), errorFor: Object.fromEntries(errors) };
}

/**
 * The portal's answer to the domain's refusals that any page can meet: not found for what the account
 * may not know exists, a plain 403 for what it may know of but not open. Others are not a page's to answer.
 */
export function refusalPage(error: unknown, view: PageView): Result | undefined {
  if (error instanceof NotAllowed) return messagePage('You cannot open this', [error.errors[0]?.message ?? 'Your account does not give you access to this.'], 403, view);
  if (error instanceof NotFound) return notFound(view);
  return undefined;
}
