"""Personal data: redaction, whistle-blower masking, retention, the citizen's own data,
and the encryption of contact data. Imported by cases, wall and open311; imports none
of their views."""
