-- A patient's medical record number at this hospital (the FHIR Patient's identifier whose type is
-- v2-0203 "MR"), shown in the patient list and the chart header and matched by the patient search.
ALTER TABLE emr_patients ADD COLUMN mrn TEXT;
CREATE INDEX emr_patients_mrn ON emr_patients (mrn);
