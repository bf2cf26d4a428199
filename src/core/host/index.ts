// Host-backend mode, browser and Node clients: HTTP adapters, the SSE parser and bridge.
// The Node request handler lives in ./node (kept apart so browser bundles never see node:*).
export {
  createHttp,
  type Http,
  type HttpOptions,
  type HeadersHook,
  type RequestOptions,
  type HttpResponse,
} from './http.js';
export { createHttpBackend, type HttpBackend, type HttpBackendOptions } from './http-backend.js';
export { createHostClient, type HostClient, type HostClientOptions } from './host-client.js';
export { createSseParser, formatSse, type SseMessage, type SseParser, type SseParserOptions } from './sse-parser.js';
export {
  connectEventBridge,
  stageCacheResults,
  type EventBridge,
  type EventBridgeOptions,
  type BridgeState,
  type ResetReason,
} from './sse-bridge.js';
export { OriginEnvelope, envelopeToBus, busToEnvelope, WIRE_EVENTS } from './envelope.js';
export { typedFromHttp, statusForCode, type WireError } from './wire-errors.js';
