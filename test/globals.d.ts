// The BDD globals shared by mocha (browser) and node:test (via test/helpers/node-globals.mjs).
type TestFn = () => void | Promise<void>;
declare function describe(name: string, fn: () => void): void;
declare function it(name: string, fn: TestFn): void;
declare function before(fn: TestFn): void;
declare function after(fn: TestFn): void;
declare function beforeEach(fn: TestFn): void;
declare function afterEach(fn: TestFn): void;
