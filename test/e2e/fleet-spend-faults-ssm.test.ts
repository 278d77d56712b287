import { describeSpendFaults } from '../tokens/spend-faults';

// The spend's faults on a cloud store's loopback protocol server: SSM's lease and fenced writes.
describeSpendFaults('aws-ssm');
