"""Getting in safely: throttled attempts (``throttle``), the sessions a user
has open (``sessions``) and two-factor login with an authenticator app
(``two_factor``). The pages are in ``helpdesk.auth`` and its siblings."""
