/**
 * The one user every valid API key belongs to. Their username is the default `target_namespace`
 * (oxen-api.md §3) and these fields fill the user columns of the history rows (§8).
 */
export const ACCOUNT = {
  userId: '5d0f6a8e-3c1b-4e7a-9b2d-8f4c1e6a7b30',
  username: 'emulator-user',
  userImage: null,
} as const;
