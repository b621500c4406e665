// How long a member of staff stays signed in to the portal (SPEC §8). The session store enforces these;
// the portal's cookie lasts as long as the longest of them, so the store, not the browser, decides.

/** Signing in (password, then the authenticator code) must be finished within this. */
export const SIGN_IN_SECONDS = 10 * 60;
/** A session left alone this long ends: a screen left unlocked does not stay signed in. */
export const IDLE_SECONDS = 30 * 60;
/** However active, a session ends after a working shift, as the refresh token does. */
export const SHIFT_SECONDS = 12 * 60 * 60;
