/** A real server started for the test run; `env` tells the tests where it is. */
export interface StartedServer {
  name: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}
