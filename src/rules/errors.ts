/** A rules file or built-in set that cannot be used; the message names the source and line. */
export class RulesError extends Error {
  override name = 'RulesError';
}

/** A problem in one rule, with the document path to it (for the line number). */
export class RuleProblem extends Error {
  constructor(
    readonly at: (string | number)[],
    message: string,
    /** set when the fault is a key itself (an unknown key) rather than its value */
    readonly key?: string,
  ) {
    super(message);
  }
}
