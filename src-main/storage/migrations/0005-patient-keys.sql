-- Patients hold their own keys (issue 13): the custodial activation codes are gone. Where a
-- patient has not enrolled, pk is the hospital's provisional id and x25519 is empty.
UPDATE emr_patients SET activation = NULL;
