"""Monthly service-provider reports (jobs, volumes, trips, revenue, SLA
breaches, feedback) as PDF and Excel, made by a Celery job on the 1st of
each month in each municipality's own time zone."""
