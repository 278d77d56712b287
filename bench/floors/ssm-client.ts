import { SSMClient } from '@aws-sdk/client-ssm';

/** The Lambda cold-import floor: the store's SDK client alone, built like the function bundle. */
export const client = new SSMClient({});
