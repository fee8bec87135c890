"""SMS gateway integration (SSL Wireless ISMS Plus API v3; see
backoffice/notifications/gateway.py).  Locally `deploy/local up` runs the
protocol simulator (backoffice/notifications/simulator.py) on port 8025."""

from portal.settings.env import env_int, env_str

# Base URL without the path, e.g. https://smsplus.sslwireless.com in production.
IMIS_SMS_URL = env_str("IMIS_SMS_URL", "http://127.0.0.1:8025")
IMIS_SMS_API_TOKEN = env_str("IMIS_SMS_API_TOKEN", "local-simulator-token")
IMIS_SMS_SID = env_str("IMIS_SMS_SID", "IMISLOCAL")
IMIS_SMS_TIMEOUT_SECONDS = env_int("IMIS_SMS_TIMEOUT_SECONDS", 10)
# A message is tried this many times, waiting backoff x 2^(attempt-1) seconds
# between tries (30 s, 60 s, 120 s, 240 s with the defaults), then marked failed.
IMIS_SMS_MAX_ATTEMPTS = env_int("IMIS_SMS_MAX_ATTEMPTS", 5)
IMIS_SMS_RETRY_BACKOFF_SECONDS = env_int("IMIS_SMS_RETRY_BACKOFF_SECONDS", 30)
