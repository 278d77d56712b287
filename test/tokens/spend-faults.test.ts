import { describeSpendFaults } from './spend-faults';

describeSpendFaults('file');
