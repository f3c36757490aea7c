export { createHttpDriver, type HttpDriver } from './driver';
export type { HttpDriverOptions } from './options';
export { isLinkLocalOrMetadata, type Resolver, type ResolvedAddress } from './address-policy';
export { signBody, verifySignature, type VerifyOptions } from './signature';
