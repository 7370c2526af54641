/**
 * `spoolcast/testing`: a real gateway inside a consumer's own tests (docs/testing-kit.md).
 */
export type { TestFrame } from './frame-queue.js';
export {
  type NextFramesOptions,
  startTestGateway,
  TEST_GATEWAY_ENV,
  type TestGateway,
  type TestGatewayOptions,
} from './test-gateway.js';
