/** Package entry: what backend code imports. The service itself starts from main.ts. */
export { type Config, loadConfig } from './config.js';
export { SpoolcastError } from './errors.js';
export {
  type PublishResult,
  RedisEventService,
  type RedisEventServiceOptions,
} from './publisher/redis-event-service.js';
export { type Service, startService } from './service.js';
