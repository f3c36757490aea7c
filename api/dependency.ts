import { PlatformError, StepstackError } from '../core/errors';
import { DependencyError } from './http';

/**
 * `target` with every rejected call turned into a DependencyError (answered 503), except the
 * engine's own answers (a ValidationError, a conflict): those are StepstackErrors other than
 * PlatformError and pass unchanged. A client library's errors (ioredis, the AWS SDK) are faults
 * of the dependency, which the same request may not meet later.
 */
export function faultsAsDependency<T extends object>(target: T, dependency: string): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...parameters: unknown[]) => unknown).apply(object, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (error instanceof StepstackError && !(error instanceof PlatformError)) throw error;
          throw new DependencyError(dependency, { cause: error });
        });
      };
    },
  });
}
