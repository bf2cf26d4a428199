// Enables the scp-* tag types for every template in the project, once.
import 'scp-ledger/vue';
