export { createInngestDriver, type InngestDriver } from './driver';
export type { InngestDriverOptions } from './options';
export { hmacKey, sdkSignature } from './signing';
