/**
 * The gateway's one promise deadline (src/async/deadline.ts), shared with the test helpers
 * and the Redis starter (and so the bench).
 */
export { settleWithin } from '../src/async/deadline.js';
