/** The variables an expression can read. Absent ones read as null. */
export interface ExpressionVars {
  /** The event that started the run. */
  event?: unknown;
  /** Step outputs by step id. */
  steps?: Record<string, unknown>;
  /** The awaited (or cancelling) event, or null. */
  async?: unknown;
  /** The output of the step the expression belongs to. */
  response?: unknown;
  /** The run's events (a batch); absent: the event alone. */
  events?: unknown[];
}

/** A parsed CEL expression, evaluated many times. */
export interface Expression {
  readonly source: string;
  /** The value of the expression; a missing field reads as null. */
  evaluate(vars: ExpressionVars): unknown;
  /** True only when the expression evaluates to boolean true; errors count as false. */
  test(vars: ExpressionVars): boolean;
}
