/** Registers every `scp-*` element (each registration skips a tag that is already defined). */
import './audit-badge/scp-audit-badge.js';
