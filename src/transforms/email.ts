// Decides whether a value "parses as an email address", the way Psoxy's pseudonymizer does before
// canonicalising it. Psoxy asks an RFC 2822 mailbox parser, so both a bare `addr-spec`
// (`ana@example.com`) and a `name-addr` (`Ana Ruiz <ana@example.com>`) count, a domain needs no dot
// (`ana@intranet`), and anything with characters outside the grammar (account ids such as
// `712020:<uuid>` or `JIRAUSER10000`) does not. Comments in parentheses and obsolete RFC 822 forms
// are not accepted: such values are hashed as plain strings.

export interface EmailParts {
  /** the local part as written (quoted local parts keep their quotes) */
  local: string;
  /** the domain as written, no case change */
  domain: string;
}

// atext of RFC 5322 section 3.2.3; a dot-atom is atext runs joined by single dots
const ATOM = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
// printable ASCII except `"` and `\`, plus escaped pairs; spaces and tabs are allowed inside quotes
const QUOTED = '"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\t]|\\\\[\\x20-\\x7e\\t])*"';
const DOMAIN_LITERAL = '\\[[\\x21-\\x5a\\x5e-\\x7e]*\\]';
const ADDR_SPEC = `(${DOT_ATOM}|${QUOTED})@(${DOT_ATOM}|${DOMAIN_LITERAL})`;
// display-name words: atoms (dots allowed, as the parser's lenient criteria allow) or quoted strings
const WORD = `(?:[A-Za-z0-9!#$%&'*+\\-/=?^_\`{|}~.]+|${QUOTED})`;
const PHRASE = `${WORD}(?:[ \\t]+${WORD})*`;

const BARE = new RegExp(`^${ADDR_SPEC}$`);
const NAMED = new RegExp(`^(?:${PHRASE})?[ \\t]*<${ADDR_SPEC}>$`);

/** The local part and domain of `text` when it is an RFC 2822 mailbox; otherwise null. */
export function parseEmailAddress(text: string): EmailParts | null {
  // surrounding whitespace is folding white space in the grammar, not part of the address
  const candidate = text.trim();
  if (!candidate.includes('@')) return null;
  const match = BARE.exec(candidate) ?? NAMED.exec(candidate);
  if (!match) return null;
  const [, local, domain] = match;
  if (local === undefined || domain === undefined) return null;
  return { local, domain };
}
