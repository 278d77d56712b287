import { describeFleetOnStore } from './fleet-on-store';

describeFleetOnStore('aws-ssm');
