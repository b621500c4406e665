/**
 * SES event publishing (through the configuration set's event destination): what a bounce, complaint
 * or rejection means for a referral. Pure: the handler fetches nothing until this has decided.
 */
export interface SesEvent {
  readonly eventType?: string;
  readonly mail?: { readonly messageId?: string; readonly tags?: Record<string, string[] | undefined> };
  readonly bounce?: { readonly bounceType?: string; readonly bounceSubType?: string };
}

export type EmailEventVerdict =
  /** Mail to this address will not arrive: whoever it was meant for may never hear of the referral. */
  | { kind: 'undeliverable'; why: string; reference?: string; teamId?: string; toVictim?: boolean }
  /** SES is still trying (a soft bounce, a delay): nothing to do yet. */
  | { kind: 'passing'; why: string };

const REFERENCE = /^SR-[A-Z0-9]{4}-[A-Z0-9]{4}$/;
const TEAM_ID = /^[a-z0-9-]{1,64}$/;

export function judgeEmailEvent(event: SesEvent): EmailEventVerdict {
  const type = event.eventType ?? 'Unknown';
  const tag = (name: string, shape: RegExp) => {
    const value = event.mail?.tags?.[name]?.[0];
    return value !== undefined && shape.test(value) ? value : undefined;
  };
  const about = {
    ...(tag('reference', REFERENCE) ? { reference: tag('reference', REFERENCE)! } : {}),
    ...(tag('team', TEAM_ID) ? { teamId: tag('team', TEAM_ID)! } : {}),
    // An update to the victim (SPEC §6), not mail to a team or to staff.
    ...(tag('kind', /^victim-update$/) ? { toVictim: true } : {}),
  };
  switch (type) {
    case 'Bounce':
      // Only a permanent bounce means the address is dead; SES keeps retrying transient ones itself.
      return event.bounce?.bounceType === 'Permanent'
        ? { kind: 'undeliverable', why: `Bounce:${event.bounce.bounceSubType ?? 'General'}`, ...about }
        : { kind: 'passing', why: `Bounce:${event.bounce?.bounceType ?? 'Undetermined'}` };
    case 'Complaint':
    case 'Reject':
    case 'Rendering Failure':
      return { kind: 'undeliverable', why: type.replace(/\s+/g, ''), ...about };
    default:
      return { kind: 'passing', why: type.replace(/\s+/g, '') };
  }
}
