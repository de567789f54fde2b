-- 0018: DESFire cards as credentials (docs/access-protocol.md 18.3). A card
-- is a credential of kind 'card' with card_id set: the 16-byte card id
-- (BLAKE2b over the UID and the labpass application id). Its passes are
-- bound to that id (cnf {3: card id}) instead of a holder key. The UID itself
-- is not stored. public_key, which the table requires, holds for such a card
-- a value derived from the card id and random bytes that is no Ed25519 key
-- anyone holds
-- (access/issuer/iss_card.c), so no holder proof can ever be made with it.
ALTER TABLE credentials ADD COLUMN card_id BLOB CHECK (card_id IS NULL OR length(card_id) = 16);
-- One active enrolment per card; a revoked card (found again) may be enrolled anew.
CREATE UNIQUE INDEX credentials_card ON credentials(card_id) WHERE card_id IS NOT NULL AND revoked_at IS NULL;
