// What staging remembers per card about its last saved snapshot (drives skip-unchanged).
/** Store meta key holding the last saved snapshot of a card (drives skip-unchanged). */
export const lastSavedKey = (cardKey: string) => `last_saved:${cardKey}`;
export interface LastSaved {
  content_hash: string;
  computed_at: number;
  snapshot_id: string;
}
