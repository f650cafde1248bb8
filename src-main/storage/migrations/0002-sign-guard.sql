-- The last vote this node signed per chain, so a restarted validator can never equivocate.
CREATE TABLE sign_guard (chain TEXT PRIMARY KEY, height INTEGER NOT NULL, round INTEGER NOT NULL, phase INTEGER NOT NULL, block BLOB) WITHOUT ROWID;
CREATE TABLE evidence (chain TEXT NOT NULL, id BLOB NOT NULL, height INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (chain, id)) WITHOUT ROWID;
