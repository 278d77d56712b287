import { describeCrashPoints } from '../tokens/crash-points';

// The crash points on a cloud store's loopback protocol server: SSM's lease and fenced writes.
describeCrashPoints('aws-ssm');
