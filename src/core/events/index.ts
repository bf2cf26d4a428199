export { createEventBus, type EventBus, type Listener } from './bus.js';
