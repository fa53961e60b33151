/**
 * Who is acting, for authors, audit rows and the credential access log: CFGMIG_ACTOR when
 * set (CI jobs name themselves, e.g. "ci:deploy-prod#4411"), else user@host.
 */
import { hostname, userInfo } from 'node:os';

export function actor(env: Record<string, string | undefined>): string {
  const named = env.CFGMIG_ACTOR?.trim();
  if (named) return named;
  let user = env.USER ?? env.USERNAME ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the environment's idea of the user
  }
  return `${user}@${hostname()}`;
}
