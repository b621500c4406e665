import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Answers } from '../form/questions.js';
import { documents } from './aws-clients.js';
import { requiredEnv } from './environment.js';

const tableName = requiredEnv('TABLE_NAME');

/** An hour is long enough to fill the form in, short enough that a half-filled form does not linger. */
export const FORM_SESSION_SECONDS = 60 * 60;

export interface FormSession {
  readonly id: string;
  readonly csrf: string;
  readonly answers: Answers;
  /** Set once the victim has seen "check your answers": changing an answer then goes back there. */
  readonly reviewing?: boolean;
  /** Set once submitted, so the confirmation page can show it and a repeated send can be answered with it. */
  readonly reference?: string;
  /** Set with the reference when the postcode is outside every area: a repeated send is answered as truthfully. */
  readonly outOfArea?: boolean;
}

const key = (id: string) => ({ pk: `FORMSESSION#${id}`, sk: 'FORMSESSION' });

/** The session, or undefined when it never existed or has expired (DynamoDB's TTL sweep can lag by days). */
export async function getFormSession(id: string, now: Date): Promise<FormSession | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: key(id), ConsistentRead: true }));
  if (!Item || typeof Item.expiresAt !== 'number' || Item.expiresAt * 1000 <= now.getTime()) return undefined;
  return { id, csrf: String(Item.csrf), answers: (Item.answers ?? {}) as Answers, reviewing: Item.reviewing === true, reference: Item.reference as string | undefined, outOfArea: Item.outOfArea === true };
}

const item = (session: FormSession, now: Date) => ({
  ...key(session.id), kind: 'form-session', ...session, id: undefined, expiresAt: Math.floor(now.getTime() / 1000) + FORM_SESSION_SECONDS,
});

/**
 * Saves answers, unless the session was sent in the meantime: an answer posted alongside the send must
 * not bring the session's answers back once they have gone.
 */
export async function saveFormSession(session: FormSession, now: Date): Promise<void> {
  try {
    await documents.send(new PutCommand({ TableName: tableName, Item: item(session, now), ConditionExpression: 'attribute_not_exists(#reference)', ExpressionAttributeNames: { '#reference': 'reference' } }));
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

/**
 * Keeps only the reference of a sent session: its answers go as soon as the referral is stored. Written
 * by every send of the session alike (a double tap, a retry), and each writes the same reference.
 */
export async function markFormSessionSent(session: FormSession, sent: { reference: string; outOfArea: boolean }, now: Date): Promise<void> {
  await documents.send(new PutCommand({ TableName: tableName, Item: item({ id: session.id, csrf: session.csrf, answers: {}, ...sent }, now) }));
}

export async function deleteFormSession(id: string): Promise<void> {
  await documents.send(new DeleteCommand({ TableName: tableName, Key: key(id) }));
}
