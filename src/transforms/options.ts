/** The choices an operator makes about what the pseudonymized sets keep. */
export interface PseudonymizationOptions {
  /**
   * Keep the names an organisation gives its work: project names and keys, project category,
   * component and version names, board and sprint names, service desk project names. Off by
   * default: a project, board or sprint is often named for a confidential client or plan.
   */
  keepProjectNames: boolean;
}

export const DEFAULT_PSEUDONYMIZATION: PseudonymizationOptions = { keepProjectNames: false };
