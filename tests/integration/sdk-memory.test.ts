import { describeSdkFunctions } from './sdk/scenarios';

describeSdkFunctions('in-memory state and queues', () => ({}));
