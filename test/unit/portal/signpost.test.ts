import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredReferral } from '../../../functions/adapters/referral-store.js';
import { Conflict, NotFound, noSuchReferral } from '../../../functions/domain/refusals.js';
import { bodyOf, locationOf, NOW, REFERENCE, staffRequest } from '../../support/portal-requests.js';

const actions = vi.hoisted(() => ({ signpostReferral: vi.fn() }));
const store = vi.hoisted(() => ({ getReferral: vi.fn() }));
const sessions = vi.hoisted(() => ({ savePortalSession: vi.fn() }));
vi.mock('../../../functions/adapters/referral-actions.js', () => actions);
vi.mock('../../../functions/adapters/referral-store.js', () => store);
vi.mock('../../../functions/adapters/portal-session-store.js', () => sessions);
const signpost = await import('../../../functions/portal/routes/signpost.js');

// Stored out of area before referrals were kept under the default area: no area of its own.
const outOfArea = { reference: REFERENCE, status: 'OUT_OF_AREA', createdAt: '2026-11-17T09:00:00Z' } as StoredReferral;
const as = (groups: string[], form?: Record<string, string>) => staffRequest(groups, { params: { reference: REFERENCE }, form });
const valid = { csrf: 'form-token', reason: 'Lives in Westminster: given the London stalking service and the national helpline.' };

beforeEach(() => {
  for (const mock of [...Object.values(actions), ...Object.values(store), ...Object.values(sessions)]) mock.mockReset();
  store.getReferral.mockResolvedValue(outOfArea);
});

describe('closing an out-of-area referral as signposted elsewhere', () => {
  it("asks the default area's coordinator for the reason and a confirmation first", async () => {
    const page = await signpost.show(as(['coordinator-merseyside']));
    expect(page.statusCode).toBe(200);
    const body = bodyOf(page);
    expect(body).toContain('Close this referral as signposted elsewhere?');
    expect(body).toContain(`action="/portal/referrals/${REFERENCE}/signpost"`);
    expect(body).toContain('name="csrf" value="form-token"');
    expect(body).toContain('id="reason"');
    expect(actions.signpostReferral).not.toHaveBeenCalled();
  });

  it("shows nobody else the page: teams and another area's coordinator find nothing", async () => {
    // The action refuses them alike; the portal answers its refusal as not found.
    actions.signpostReferral.mockRejectedValue(noSuchReferral());
    for (const groups of [['mdvs'], ['victim-care'], ['coordinator-halton'], ['commissioner-merseyside']]) {
      expect((await signpost.show(as(groups))).statusCode, groups.join()).toBe(404);
      await expect(signpost.submit(as(groups, valid)), groups.join()).rejects.toBeInstanceOf(NotFound);
    }
  });

  it('closes it with the reason and says so on the referral page', async () => {
    actions.signpostReferral.mockResolvedValue({ ...outOfArea, status: 'CLOSED' });
    const page = await signpost.submit(as(['coordinator-merseyside'], valid));
    expect(actions.signpostReferral).toHaveBeenCalledWith(REFERENCE, valid.reason, expect.objectContaining({ userId: 'user-1' }), NOW);
    expect(page.statusCode).toBe(303);
    expect(locationOf(page)).toBe(`/portal/referrals/${REFERENCE}`);
    expect(sessions.savePortalSession).toHaveBeenCalledWith(expect.objectContaining({ flash: `Referral ${REFERENCE} closed: signposted elsewhere.` }), NOW);
  });

  it('asks again for a reason that is missing or too short, keeping what was typed', async () => {
    const page = await signpost.submit(as(['coordinator-merseyside'], { csrf: 'form-token', reason: 'no' }));
    expect(page.statusCode).toBe(400);
    const body = bodyOf(page);
    expect(body).toContain('Say why the person is being signposted elsewhere.');
    expect(body).toContain('href="#reason"');
    expect(actions.signpostReferral).not.toHaveBeenCalled();
  });

  it('changes nothing for a form without the session’s token', async () => {
    const page = await signpost.submit(as(['coordinator-merseyside'], { ...valid, csrf: 'forged' }));
    expect(page.statusCode).toBe(403);
    expect(actions.signpostReferral).not.toHaveBeenCalled();
  });

  it('says so when the referral has been re-assigned or closed in the meantime', async () => {
    actions.signpostReferral.mockRejectedValue(new Conflict({ path: 'status', message: 'no longer out of area' }));
    store.getReferral.mockResolvedValue({ ...outOfArea, status: 'AWAITING_ACK', areaId: 'merseyside' });
    const page = await signpost.submit(as(['coordinator-merseyside'], valid));
    expect(page.statusCode).toBe(409);
    expect(bodyOf(page)).toContain('This referral is no longer out of area');
  });
});
