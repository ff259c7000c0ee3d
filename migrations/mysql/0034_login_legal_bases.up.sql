-- The two legal bases of portal login (api.md §7.1): consent to send the
-- access code by email or SMS. Created with the schema, so a fresh vault
-- lists them; their creation time is the time of this migration.
INSERT INTO legal_bases (brief, status, module, basistype, shortdesc, fulldesc, requiredmsg, requiredflag, usercontrol, created)
VALUES ('core-send-email-on-login', 'active', 'login', 'consent', 'Send email on login',
    'Confirm to allow sending access code using 3rd party email gateway',
    'This consent is required to give you our service.', 1, 1, UNIX_TIMESTAMP());
INSERT INTO legal_bases (brief, status, module, basistype, shortdesc, fulldesc, requiredmsg, requiredflag, usercontrol, created)
VALUES ('core-send-sms-on-login', 'active', 'login', 'consent', 'Send SMS on login',
    'Confirm to allow sending access code using 3rd party SMS gateway',
    'This consent is required to give you our service.', 1, 1, UNIX_TIMESTAMP());
