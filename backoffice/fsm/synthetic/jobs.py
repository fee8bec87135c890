"""A year of emptying applications, walked through the workflow's own
transition table (:mod:`backoffice.fsm.workflow`), so every generated
job is one the services could have produced: each application draws a
path (the usual one to feedback, or rejected, cancelled, sent back and
resubmitted, declined by the provider and reassigned, never disposed,
no feedback), each step a delay, and the walk stops at generation time.
One application per state is planned to end in it, so every state is
present at every scale."""

import datetime
import math
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from backoffice.fsm import models as fsm
from backoffice.fsm import workflow
from backoffice.fsm.synthetic.containments import SyntheticContainment
from backoffice.fsm.synthetic.operators import Operators
from backoffice.registry.synthetic import Generation, names, weighted_picker

A = workflow
HAPPY = (A.ASSESS, A.SETTLE_FEE, A.SCHEDULE, A.EMPTY, A.DISPOSE, A.FEEDBACK)
JOBS_PER_CONTAINMENT = 0.08  # applications a year
MIN_JOBS = 60
SATISFACTION = {5: 34, 4: 36, 3: 15, 2: 10, 1: 5}
REASONS = {
    A.REJECT: (
        "The containment is connected to the sewer: no emptying needed.",
        "Duplicate of an open application.",
        "The address is outside the municipality.",
    ),
    A.SEND_BACK: (
        "Holding code does not match the address: please check it.",
        "Phone number unreachable: please give another.",
    ),
    A.DECLINE: (
        "The lane is too narrow for our vehicle.",
        "Vehicle under repair on the scheduled day.",
    ),
    A.CANCEL: (
        "Emptied privately.",
        "Applicant asked to cancel.",
        "The applicant moved away.",
    ),
}
COMMENTS = (
    "Crew came on time and cleaned up well.",
    "Good service.",
    "Crew was late by a day.",
    "Some spillage in the lane.",
    "খুব ভালো সেবা।",
    "সময়মতো এসেছে, ধন্যবাদ।",
)


def _hours(rng, low: float, high: float, mode: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=round(rng.triangular(low, high, mode) * 60))


def _path_to(target: str) -> list[str]:
    """The shortest run of actions from SUBMITTED to ``target`` in the table
    (the happy path's actions first, so 'closed' is reached the usual way)."""
    order = {action: i for i, action in enumerate(HAPPY)}
    queue: deque = deque([(A.SUBMITTED, [])])
    seen = {A.SUBMITTED}
    while queue:
        state, path = queue.popleft()
        if state == target:
            return path
        moves = sorted(
            ((action, rule.target) for (s, action), rule in A.TABLE.items() if s == state),
            key=lambda move: order.get(move[0], len(order)),
        )
        for action, nxt in moves:
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, [*path, action]))
    raise ValueError(f"no path to {target!r} in the workflow table")


def _path_draw(rng) -> list[str]:
    r = rng.random()
    if r < 0.04:
        return [A.REJECT]
    if r < 0.06:
        return [A.ASSESS, A.REJECT]
    if r < 0.10:
        return [*HAPPY[: rng.randint(0, 3)], A.CANCEL]
    path = list(HAPPY)
    if rng.random() < 0.05:
        path[:0] = [A.SEND_BACK, A.RESUBMIT]
    if rng.random() < 0.05:
        at = path.index(A.SCHEDULE) + 1
        path[at:at] = [A.DECLINE, A.REASSIGN]
    r = rng.random()
    if r < 0.02:
        return path[: path.index(A.EMPTY) + 1]  # emptied, never seen at a plant
    if r < 0.27:
        return path[: path.index(A.DISPOSE) + 1]  # no feedback given
    return path


@dataclass
class Job:
    containment: SyntheticContainment
    submitted_at: datetime.datetime
    path: list[str]
    values: dict = field(default_factory=dict)
    state: str = A.SUBMITTED
    changed_at: datetime.datetime | None = None
    crew: list[int] = field(default_factory=list)  # employee ids
    vehicle_capacity: float = 3.0
    # (action, provider id, vehicle id, scheduled for, reason, at)
    assignments: list[tuple] = field(default_factory=list)


def fee_standin(volume: float, *, low_income: bool) -> Decimal:
    """Slabs by volume (BDT) for a municipality whose fee table has no match."""
    fee = 1500 if volume < 3 else 2500 if volume < 6 else 3500 + 400 * math.ceil(volume - 6)
    return Decimal(fee // 2 if low_income else fee)


ACCESS_NOTES = (
    "Lane about 1.5 m wide: small vehicle only.",
    "Cover slab must be broken and rebuilt.",
    "Tank under the stairs; hose through the shop.",
    "",
    "",
    "",
)
PLANS = (
    "Empty fully; clean the inlet.",
    "Two trips; second vehicle waits on the main road.",
    "Empty and inspect the outlet to the drain.",
)
# Delays before each step, in hours: (shortest, longest, most likely).
DELAYS = {
    A.ASSESS: (1, 60, 12),
    A.SEND_BACK: (1, 30, 6),
    A.RESUBMIT: (4, 120, 24),
    A.SETTLE_FEE: (0.5, 72, 8),
    A.SCHEDULE: (0.5, 40, 6),
    A.DECLINE: (1, 24, 4),
    A.REASSIGN: (1, 30, 6),
    A.DISPOSE: (0.7, 16, 2),
    A.FEEDBACK: (2, 240, 36),
    A.REJECT: (1, 48, 10),
    A.CANCEL: (1, 72, 12),
}


class Walker:
    """Takes one job along its path, step by step, until ``anchor``."""

    def __init__(self, gen: Generation, ops: Operators, *, anchor, tz):
        from backoffice.fsm.models import FeeSlab

        self.rng = gen.rng("fsm-job-steps")
        self.ops, self.anchor, self.tz = ops, anchor, tz
        self.satisfaction = weighted_picker(self.rng, SATISFACTION)
        shares = {i: p.share for i, p in enumerate(ops.plants)}
        self.plant = weighted_picker(self.rng, shares)
        self.slabs = list(FeeSlab.objects.filter(active=True))
        self.kind_of = {h.building_id: h.holding_type for h in gen.holdings}

    def delay(self, job: Job, action: str, at: datetime.datetime) -> datetime.datetime:
        rng = self.rng
        if action == A.EMPTY:
            day = job.values["scheduled_for"]
            if rng.random() < 0.07:
                day += datetime.timedelta(days=rng.randint(1, 4))  # late
            start = datetime.datetime.combine(day, datetime.time(8), tzinfo=self.tz)
            return max(at + datetime.timedelta(hours=3), start + _hours(rng, 1, 9, 3))
        return at + _hours(rng, *DELAYS.get(action, (1, 24, 6)))

    def fee(self, c: SyntheticContainment, volume: float, trips: int) -> Decimal:
        from types import SimpleNamespace

        from backoffice.fsm.fees import fee_estimate

        low = c.building.low_income
        holding = SimpleNamespace(holding_type=self.kind_of.get(c.building.id, ""), pk=None)
        amount = fee_estimate(
            holding=holding,
            volume_m3=Decimal(f"{volume:.2f}"),
            trips=trips,
            low_income=low,
            slabs=self.slabs,
        ).amount
        return amount if amount is not None else fee_standin(volume, low_income=low)

    def apply(self, job: Job, action: str, at: datetime.datetime) -> None:
        rng, v, c, ops = self.rng, job.values, job.containment, self.ops
        if action == A.ASSESS:
            narrow = c.building.low_income or rng.random() < 0.2
            capacity = 0.9 if narrow else 3.0
            volume = c.volume * rng.uniform(0.6, 1.0)
            trips = max(1, math.ceil(volume / capacity))
            v.update(
                site_visit_on=(at - _hours(rng, 0, 6, 2)).date(),
                containment_confirmed=rng.random() < 0.96,
                access_notes=rng.choice(ACCESS_NOTES),
                road_width_ok=not narrow,
                vehicle_capacity_needed_m3=capacity,
                trips_estimated=trips,
                estimated_volume_m3=volume,
                estimated_fee=self.fee(c, volume, trips),
                plan=rng.choice(PLANS),
                assessed_by_id=ops.manager_id,
            )
        elif action == A.SETTLE_FEE:
            r = rng.random()
            waived = c.building.low_income and r < 0.5 or r < 0.05
            mode = "waived" if waived else "pay_on_service" if r < 0.3 else "paid"
            v.update(
                fee_mode=mode,
                fee=Decimal(0) if waived else v["estimated_fee"],
                fee_receipt_number=f"FR-{at.year}-{rng.randint(1, 999_999):06d}"
                if mode == "paid"
                else "",
                fee_settled_by_id=ops.manager_id,
            )
        elif action in (A.SCHEDULE, A.REASSIGN):
            choices = ops.by_ward[c.building.ward_id]
            if action == A.REASSIGN and len(choices) > 1:
                choices = [p for p in choices if p.id != v.get("provider_id")] or choices
            provider = rng.choice(choices)
            vehicle = rng.choice(provider.vehicles) if provider.vehicles else (None, 3.0)
            v.update(
                provider_id=provider.id,
                vehicle_id=vehicle[0],
                scheduled_for=(at + datetime.timedelta(days=rng.randint(1, 4))).date(),
                reason="" if action == A.SCHEDULE else v.get("reason", ""),
            )
            if rng.random() < 0.5:
                v["plant_id"] = ops.plants[self.plant()].id
            job.crew = rng.sample(provider.crew, min(len(provider.crew), rng.randint(2, 4)))
            job.vehicle_capacity = vehicle[1]
        elif action == A.EMPTY:
            emptied = min(c.volume * 1.05, v["estimated_volume_m3"] * rng.uniform(0.85, 1.12))
            ended = at - _hours(rng, 0.05, 0.5, 0.1)
            v.update(
                emptied_volume_m3=emptied,
                trips=max(1, math.ceil(emptied / job.vehicle_capacity)),
                emptying_started_at=ended - _hours(rng, 0.5, 3, 1),
                emptying_ended_at=ended,
                emptying_cost=v.get("fee"),
                emptying_receipt_number=f"ER-{at.year}-{rng.randint(1, 999_999):06d}",
                emptied_by_id=ops.member_of.get(v["provider_id"]),
            )
            v.setdefault("plant_id", ops.plants[self.plant()].id)
            local = at.date()
            if c.last_emptied_on is None or c.last_emptied_on < local:
                c.last_emptied_on = local
            c.times_emptied += 1
        elif action == A.DISPOSE:
            v.update(
                disposed_volume_m3=v["emptied_volume_m3"] * rng.uniform(0.96, 1.0),
                disposal_vehicle_id=v.get("vehicle_id"),
                arrived_at=at - _hours(rng, 0.1, 0.7, 0.2),
                disposal_confirmed_by_id=ops.caretaker_of.get(v["plant_id"]),
                disposed_at=at,
            )
        elif action == A.FEEDBACK:
            v.update(
                satisfaction=self.satisfaction(),
                crew_wore_ppe=rng.random() < 0.82,
                comments=rng.choice(COMMENTS) if rng.random() < 0.35 else "",
                feedback_at=at,
            )
        if action in REASONS:
            v["reason"] = rng.choice(REASONS[action])
        if action in (A.SCHEDULE, A.REASSIGN, A.DECLINE):
            job.assignments.append(
                (action, v["provider_id"], v.get("vehicle_id"), v["scheduled_for"],
                 v["reason"] if action != A.SCHEDULE else "", at,
                 ops.member_of.get(v["provider_id"]) if action == A.DECLINE else ops.manager_id)
            )  # fmt: skip

    def walk(self, job: Job, *, until: datetime.datetime | None) -> None:
        at = job.submitted_at
        job.values["submitted_at"] = at
        job.state, job.changed_at = A.SUBMITTED, at
        for action in job.path:
            rule = A.TABLE.get((job.state, action))
            if rule is None:
                continue  # the table no longer has this step: skip it
            when = self.delay(job, action, at)
            if until is not None and when > until:
                break
            at = when
            self.apply(job, action, at)
            if action == A.FEEDBACK and rule.target == job.state:
                continue  # feedback after closing changes no state
            job.state, job.changed_at = rule.target, at
            job.values[f"{rule.target}_at"] = at


def job_count(containments: int) -> int:
    return min(containments, max(MIN_JOBS, round(containments * JOBS_PER_CONTAINMENT)))


def jobs_make(
    gen: Generation,
    containments: list[SyntheticContainment],
    ops: Operators,
    *,
    anchor: datetime.datetime,
) -> list[Job]:
    """Plan and walk the applications (in memory); containments they empty
    get their new last-emptied date and count."""
    rng = gen.rng("fsm-jobs")
    tz = anchor.tzinfo
    walker = Walker(gen, ops, anchor=anchor, tz=tz)
    chosen = rng.sample(containments, job_count(len(containments)))
    targets = [s for s in A.STATES if s != A.SUBMITTED] + [A.SUBMITTED]
    jobs: list[Job] = []
    for i, c in enumerate(chosen):
        forced = i < len(targets)
        if forced:  # one per state, ending in it
            days = rng.randint(35, 45)
            path = _path_to(targets[i])
        else:
            days = rng.randint(0, 364)
            path = _path_draw(rng)
        day = anchor.date() - datetime.timedelta(days=days)
        submitted = datetime.datetime.combine(day, datetime.time(7), tzinfo=tz)
        submitted += datetime.timedelta(minutes=rng.randint(0, 14 * 60))
        if submitted >= anchor:
            submitted = anchor - datetime.timedelta(minutes=rng.randint(5, 300))
        # Whoever applies does so because it is full: emptied long enough ago.
        if c.last_emptied_on is not None and c.last_emptied_on > day - datetime.timedelta(180):
            c.last_emptied_on = day - datetime.timedelta(days=rng.randint(365, 4 * 365))
            if c.last_emptied_on < c.constructed_on:
                c.last_emptied_on = None
                c.times_emptied = 0
        job = Job(c, submitted, path)
        walker.walk(job, until=None if forced else anchor)
        jobs.append(job)
    jobs.sort(key=lambda j: (j.submitted_at, j.containment.id))
    return jobs


def _people(rng):
    if rng.random() < 0.3:
        given, family = names.MUSLIM_FEMALE_GIVEN, names.MUSLIM_FEMALE_FAMILY
    else:
        given, family = names.MUSLIM_MALE_GIVEN, names.MUSLIM_MALE_FAMILY
    given, family = rng.choice(given), rng.choice(family)
    return f"{given[0]} {family[0]}"


def _text(value, model_field) -> str:
    """One value as COPY text for ``model_field``."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.{getattr(model_field, 'decimal_places', 2) or 2}f}"
    return str(value)


def _blank(model_field) -> str:
    """What a column not set by the generator gets: null, else its default."""
    if model_field.null:
        return "\\N"
    if model_field.has_default():
        return _text(model_field.get_default(), model_field)
    return ""


def jobs_copy(gen: Generation, jobs: list[Job], ops: Operators) -> None:
    from backoffice.fsm.services import fsm_config_get

    rng = gen.rng("fsm-applicants")
    prefix = fsm_config_get().application_prefix
    gen.cursor.execute(
        "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
        [fsm.APPLICATION_SEQUENCE, len(jobs)],
    )
    numbers = sorted(row[0] for row in gen.cursor.fetchall())
    ids = gen.ids(fsm.EmptyingApplication, len(jobs))
    holding_of: dict[int, int] = {}
    for h in gen.holdings:
        holding_of.setdefault(h.building_id, h.id)
    fields = list(fsm.EmptyingApplication._meta.concrete_fields)
    columns = [f.column for f in fields]

    def lines():
        for pk, number, job in zip(ids, numbers, jobs, strict=True):
            c = job.containment
            values = dict(job.values)
            r = rng.random()
            channel = "online" if r < 0.6 else "phone" if r < 0.85 else "walk_in"
            values.update(
                id=pk,
                reference=f"{prefix}{job.submitted_at.year}-{number:06d}",
                applied_by_channel=channel,
                holding_id=holding_of.get(c.building.id),
                building_id=c.building.id,
                containment_id=c.id,
                applicant_name=_people(rng),
                applicant_phone=f"+8801{rng.choice('3456789')}{rng.randint(0, 99_999_999):08d}",
                state=job.state,
                state_changed_at=job.changed_at,
                created_by_id=None if channel == "online" else ops.manager_id,
            )
            yield (
                "\t".join(
                    _text(values[f.attname], f) if f.attname in values else _blank(f)
                    for f in fields
                )
                + "\n"
            )

    gen.copy(fsm.EmptyingApplication, columns, lines())

    crew = [(pk, e) for pk, job in zip(ids, jobs, strict=True) for e in job.crew]
    through = fsm.EmptyingApplication.crew.through
    gen.copy(
        through,
        ["id", "emptyingapplication_id", "employee_id"],
        (f"{pk}\t{a}\t{e}\n" for pk, (a, e) in zip(gen.ids(through, len(crew)), crew, strict=True)),
    )
    history = [(pk, *entry) for pk, job in zip(ids, jobs, strict=True) for entry in job.assignments]
    gen.copy(
        fsm.AssignmentHistory,
        ["id", "application_id", "action", "provider_id", "vehicle_id", "scheduled_for",
         "reason", "by_id", "at"],
        (
            f"{pk}\t{a}\t{action}\t{p}\t{_text(v, None)}\t{day.isoformat()}\t{reason}"
            f"\t{_text(by, None)}\t{at.isoformat()}\n"
            for pk, (a, action, p, v, day, reason, at, by) in zip(
                gen.ids(fsm.AssignmentHistory, len(history)), history, strict=True
            )
        ),
    )  # fmt: skip
