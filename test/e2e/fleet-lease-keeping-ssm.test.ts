import { describeLeaseKeeping } from '../tokens/lease-keeping';

// The lease around a spend on a cloud store's loopback protocol server: SSM's extension and fence.
describeLeaseKeeping('aws-ssm');
