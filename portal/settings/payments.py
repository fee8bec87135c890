"""Payment gateways (backoffice/payments/adapters).  Each municipality may
store its own merchant account (payments.GatewayAccount); without one, these
environment defaults apply.  Locally `deploy/local up` runs the protocol
simulator (backoffice/payments/simulator.py) on port 8026, which speaks both
SSLCommerz v4 and the ekPay-style API."""

from portal.settings.env import env_int, env_str

# SSLCommerz: https://sandbox.sslcommerz.com (sandbox), https://securepay.sslcommerz.com (live).
IMIS_SSLCOMMERZ_URL = env_str("IMIS_SSLCOMMERZ_URL", "http://127.0.0.1:8026")
IMIS_SSLCOMMERZ_STORE_ID = env_str("IMIS_SSLCOMMERZ_STORE_ID", "imislocal")
IMIS_SSLCOMMERZ_STORE_PASSWORD = env_str("IMIS_SSLCOMMERZ_STORE_PASSWORD", "imislocal@ssl")
# ekPay (merchant registration id and key).
IMIS_EKPAY_URL = env_str("IMIS_EKPAY_URL", "http://127.0.0.1:8026")
IMIS_EKPAY_MERCHANT_ID = env_str("IMIS_EKPAY_MERCHANT_ID", "imis_local")
IMIS_EKPAY_MERCHANT_KEY = env_str("IMIS_EKPAY_MERCHANT_KEY", "imis-local-key")
IMIS_PAYMENTS_TIMEOUT_SECONDS = env_int("IMIS_PAYMENTS_TIMEOUT_SECONDS", 15)
# Reconciliation asks the gateway about transactions pending at least this long.
IMIS_PAYMENTS_RECONCILE_AFTER_SECONDS = env_int("IMIS_PAYMENTS_RECONCILE_AFTER_SECONDS", 300)
