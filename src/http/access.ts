/**
 * Who may come in, from the settings: the auth policy (a verifier, or none when auth is
 * off), the per-address stream slots, the publish rate, the trusted proxy hops and the
 * cross-origin policy — everything the app checks before a route does its work.
 */

import { createVerifier, isAuthOn } from '../auth/verifier.js';
import type { Config } from '../config.js';
import { AddressSlots } from './address-slots.js';
import type { AuthRefusal } from './auth-middleware.js';
import { RateLimiter } from './rate-limiter.js';

/** Where a refusal is reported (observability/instrument.ts). */
export interface AccessHooks {
  onRefused(route: string, reason: AuthRefusal, detail: string): void;
}

/** The app's access settings (a slice of `AppDeps`). */
export function accessOf(config: Readonly<Config>, hooks: AccessHooks) {
  return {
    auth: {
      verify: isAuthOn(config) ? createVerifier(config) : null,
      cookieName: config.authCookieName,
      isQueryTokenAllowed: config.authQueryToken,
      onRefused: hooks.onRefused,
    },
    slots: new AddressSlots(config.maxClientsPerIp),
    publishRate: new RateLimiter(config.publishRatePerS),
    trustProxyHops: config.trustProxyHops,
    cors: { origins: config.corsOrigins, allowCredentials: config.corsAllowCredentials },
  };
}
