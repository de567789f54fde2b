-- 0014: how to get a training, and asking for one. qualifications.instructor:
-- who gives the training (a name or a contact, '' when not set);
-- next_session: the next session when staff know it (NULL otherwise).
-- training_requests: a person asks staff for a training they lack; at most
-- one open request per person and training; granting the training closes
-- it (outcome 'granted'), staff may decline it, the person may withdraw it.
ALTER TABLE qualifications ADD COLUMN instructor TEXT NOT NULL DEFAULT '';
ALTER TABLE qualifications ADD COLUMN next_session INTEGER;
CREATE TABLE training_requests (
  id               INTEGER PRIMARY KEY,
  person_id        INTEGER NOT NULL REFERENCES people(id),
  qualification_id INTEGER NOT NULL REFERENCES qualifications(id),
  note             TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  closed_at        INTEGER,
  outcome          TEXT CHECK (outcome IN ('granted', 'declined', 'withdrawn')),
  CHECK ((closed_at IS NULL) = (outcome IS NULL))
);
CREATE UNIQUE INDEX training_requests_open ON training_requests(person_id, qualification_id) WHERE closed_at IS NULL;
CREATE INDEX training_requests_person ON training_requests(person_id, id);
