import { stagingStoreContract } from '../../contract/staging-store.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';

stagingStoreContract('memory (Node)', () => createMemoryStagingStore());
