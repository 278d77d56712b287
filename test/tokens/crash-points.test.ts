import { describeCrashPoints } from './crash-points';

describeCrashPoints('file');
