import type { CompiledFunction } from '../functions/compiled';
import { compileFunction } from '../functions/compile';
import type { FunctionRegistry } from '../ports/state';

/** The registered functions, compiled and indexed by trigger event, reloaded when the registry changes. */
export class FunctionCatalog {
  private version = -1;
  private byEvent = new Map<string, CompiledFunction[]>();
  private all: CompiledFunction[] = [];

  constructor(private readonly registry: FunctionRegistry) {}

  /** Functions with an event trigger on `eventName`. */
  async forEvent(eventName: string): Promise<CompiledFunction[]> {
    await this.refresh();
    return this.byEvent.get(eventName) ?? [];
  }

  /** Every registered function. */
  async list(): Promise<CompiledFunction[]> {
    await this.refresh();
    return this.all;
  }

  private async refresh(): Promise<void> {
    const version = await this.registry.functionsVersion();
    if (version === this.version) return;
    const definitions = await this.registry.listFunctions();
    this.all = definitions.map(compileFunction);
    this.byEvent = new Map();
    for (const fn of this.all) {
      for (const name of new Set(fn.eventTriggers.map((trigger) => trigger.event))) {
        this.byEvent.set(name, [...(this.byEvent.get(name) ?? []), fn]);
      }
    }
    this.version = version;
  }
}
