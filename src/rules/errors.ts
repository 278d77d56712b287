/** A rules file or built-in set that cannot be used; the message names the source and line. */
export class RulesError extends Error {
  override name = 'RulesError';
}
