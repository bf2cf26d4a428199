/**
 * A parsed JSON reply as the host tests read it: assertions reach into replies of many shapes, and a
 * reply of the wrong shape fails them, so the one loose type lives here rather than in every test.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; only test assertions read this type
export type JsonReply = Record<string, any>;
