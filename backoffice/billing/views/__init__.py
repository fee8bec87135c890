"""Staff billing screens at /staff/billing/: bill runs, tax rates, dues by
ward and the collection report (print batches are billing.pdf's)."""
