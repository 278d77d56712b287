import * as functions from '@google-cloud/functions-framework';
import { coldStart } from '../src/adapters/cold-start';
import { gcpHandler } from '../src/adapters/gcp';
import { answerFrameworkErrors } from '../src/adapters/gcp-framework-errors';
import { GCP_STORES } from '../src/stores/gcp';

/** The Cloud Function entry point `jiraTokenProxy`; the cold start begins as the module loads. */
answerFrameworkErrors();
export const jiraTokenProxy = gcpHandler(coldStart(GCP_STORES));

functions.http('jiraTokenProxy', jiraTokenProxy);
