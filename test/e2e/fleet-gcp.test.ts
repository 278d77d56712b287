import { describeFleetOnStore } from './fleet-on-store';

describeFleetOnStore('gcp-secret-manager');
