/** Registers every `scp-*` element (each registration skips a tag that is already defined). */
import './audit-badge/scp-audit-badge.js';
import './audit-manager/scp-audit-manager.js';
import './json-tree/scp-json-tree.js';
import './ref-preview/scp-ref-preview.js';
import './run-badge/scp-run-badge.js';
import './ref-autocomplete/scp-ref-autocomplete.js';
import './audit-log/scp-audit-log.js';
