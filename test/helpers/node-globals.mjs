// Node's test runner under the same global BDD names mocha gives browser tests,
// so one contract suite runs in both places.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
Object.assign(globalThis, { describe, it, before, after, beforeEach, afterEach });
