import { describeLeaseKeeping } from './lease-keeping';

describeLeaseKeeping('file');
