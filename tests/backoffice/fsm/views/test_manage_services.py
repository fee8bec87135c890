"""The master-data services' own guards (the pages rely on them)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from backoffice.fsm import master_data, services
from backoffice.fsm.models import ContainmentType, EffluentStandard
from tenants.audit.models import AuditEvent
from tests.backoffice.fsm.views.sample import fsm_sample


@pytest.fixture
def world(tenant_a):
    with schema_context(tenant_a.schema_name):
        yield fsm_sample(tenant_a)


def test_children_stay_with_their_provider(world):
    manager = world["manager"]
    with pytest.raises(ValidationError):
        master_data.employee_save(
            actor=manager, provider=world["other_provider"], employee=world["crew"], name="X"
        )
    with pytest.raises(ValidationError):
        master_data.vehicle_save(
            actor=manager, provider=world["other_provider"], vehicle=world["vehicle"], width_m=1
        )
    with pytest.raises(ValidationError):
        master_data.provider_save(actor=manager, provider=world["provider"], code="nope")
    assert not AuditEvent.objects.filter(
        action__in=["fsm.employee.update", "fsm.vehicle.update", "fsm.provider.update"]
    ).exists()


def test_member_remove_needs_a_member(world):
    with pytest.raises(ValidationError):
        master_data.provider_member_remove(
            actor=world["manager"], provider=world["other_provider"], user_id=world["manager"].pk
        )
    master_data.provider_member_remove(
        actor=world["manager"], provider=world["provider"], user_id=world["provider_user"].pk
    )
    assert services.provider_for_user(world["provider_user"]) is None


def test_effluent_standard_guards(world):
    with pytest.raises(ValidationError):
        master_data.effluent_standard_set(actor=world["manager"], parameter="lead")
    with pytest.raises(ValidationError):
        master_data.effluent_standard_set(
            actor=world["manager"], parameter="ph", minimum=Decimal("9"), maximum=Decimal("6")
        )
    assert EffluentStandard.objects.get(parameter="ph").maximum == Decimal("9")


def test_containment_update_recomputes_next_due(world):
    containment = world["containment"]
    containment.refresh_from_db()  # the sample's jobs emptied it
    start = containment.last_emptied_on or containment.constructed_on
    updated = master_data.containment_update(
        actor=world["manager"],
        containment=containment,
        emptying_frequency_years=4,
        containment_type=ContainmentType.objects.get(code="septic_soak_pit"),
    )
    assert updated.next_due_on == start.replace(year=start.year + 4)
    # buildings unchanged when not given
    assert list(updated.buildings.all()) == [world["building"]]
    with pytest.raises(ValidationError):
        master_data.containment_update(actor=world["manager"], containment=containment, code="X")
