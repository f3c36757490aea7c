/** Labels on every container Stepstack starts: they say whose it is, so orphans can be found and removed. */
export const LABELS = {
  run: 'stepstack.run',
  step: 'stepstack.step',
  attempt: 'stepstack.attempt',
  executor: 'stepstack.executor',
  /** The stack's namespace (STEPSTACK_NAMESPACE): orphans are looked for within it only. */
  namespace: 'stepstack.namespace',
} as const;
