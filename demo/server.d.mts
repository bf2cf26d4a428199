/** The playground's dev server, in-process on 127.0.0.1; `port: 0` picks a free one. */
export function startDemoServer(options?: {
  port?: number;
  quiet?: boolean;
}): Promise<{ url: string; stop: () => Promise<void> }>;
