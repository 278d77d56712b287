import { coldStart } from '../src/adapters/cold-start';
import { lambdaHandler } from '../src/adapters/lambda';
import { AWS_STORES } from '../src/stores/aws';

/** The Lambda entry point (`handler`); the cold start begins as the module loads (init phase). */
export const handler = lambdaHandler(coldStart(AWS_STORES));
