/** An app written with the Inngest SDK that Stepstack synced (SPEC section 4). */
export interface SdkApp {
  /** The SDK client's id. */
  id: string;
  /** The app's serve() URL. */
  url: string;
  /** Ids of the Stepstack functions its last sync registered. */
  functions: string[];
  /** When it was last synced (ms). */
  syncedAt: number;
  /** The SDK and framework it reported, e.g. `js:v4.24.0`, `nodejs`. */
  sdk?: string;
  framework?: string;
}

/** Where synced apps are kept (beside the function registry). */
export interface AppRegistry {
  /** Create or replace an app. */
  putApp(app: SdkApp): Promise<void>;
  getApp(id: string): Promise<SdkApp | undefined>;
  listApps(): Promise<SdkApp[]>;
  /** false when there was no such app. */
  deleteApp(id: string): Promise<boolean>;
}
