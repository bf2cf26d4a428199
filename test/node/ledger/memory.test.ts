import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { ledgerContract } from '../../contract/ledger.js';

ledgerContract('memory (Node)', async () => ({ ledger: createMemoryLedger() }));
