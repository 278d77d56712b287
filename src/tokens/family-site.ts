/**
 * JIRA_CLOUD_ID against the stored family's site: a token reaches only the sites its grant does,
 * so a proxy configured for another site gets 404 on every call. One wording for /_health,
 * `status` and `refresh`, so the operator meets the same line and the same fix everywhere.
 */
export function siteMismatch(
  jiraCloudId: string | undefined,
  familySite: string | undefined,
): string | undefined {
  const site = familySite?.toLowerCase();
  if (!jiraCloudId || !site || site === jiraCloudId.toLowerCase()) return undefined;
  return (
    `JIRA_CLOUD_ID mismatch: JIRA_CLOUD_ID is ${jiraCloudId} but the stored token family is for site ${site}, ` +
    `so every call would answer 404: set JIRA_CLOUD_ID to ${site}, or run ` +
    `\`npx jira-token-proxy bootstrap --cloud-id ${jiraCloudId}\``
  );
}
