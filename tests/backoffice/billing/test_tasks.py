from django_tenants.utils import schema_context

from backoffice.billing.models import Bill, BillRun
from backoffice.billing.tasks import bill_run_issue_task
from tests.backoffice.billing.test_services import approved_run, billing_sample


def test_task_issues_the_run(tenant_a):
    with schema_context(tenant_a.schema_name):
        billing_sample(None)
        run = approved_run(tenant_a)
        assert "4 bills" in bill_run_issue_task.run(run.pk)
        assert BillRun.objects.get(pk=run.pk).state == BillRun.State.ISSUED
        assert Bill.objects.count() == 4
