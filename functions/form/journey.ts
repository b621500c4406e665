import { ALL_QUESTIONS, applies, type Answers } from './questions.js';

/** The next question these answers call for, or the check page after the last. */
export const nextAfter = (id: string, answers: Answers): string =>
  ALL_QUESTIONS.slice(ALL_QUESTIONS.findIndex((q) => q.id === id) + 1).find((q) => applies(q, answers))?.id ?? 'check';

/** Where a question's Back link goes: the question asked before it, or the start page before the first. */
export function previousOf(id: string, answers: Answers): string {
  const earlier = ALL_QUESTIONS.slice(0, Math.max(0, ALL_QUESTIONS.findIndex((q) => q.id === id))).filter((q) => applies(q, answers));
  return earlier.length ? `/refer/${earlier.at(-1)!.id}` : '/refer';
}

/** A question a changed answer now calls for that was never answered (email chosen: "email updates?"). */
export const newlyAsked = (answers: Answers): string | undefined =>
  ALL_QUESTIONS.find((q) => q.applies && applies(q, answers) && !q.fields.some((f) => f.name in answers))?.id;
