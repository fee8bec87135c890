from decimal import Decimal

from django.db import migrations

# (code, English, Bangla, can be emptied): the 16 containment types of the
# Bangladesh FSM typology used by IMIS.
CONTAINMENT_TYPES = [
    ("septic_soak_pit", "Septic tank connected to soak pit", "সোক পিটে সংযুক্ত সেপটিক ট্যাংক", True),
    ("septic_drain", "Septic tank connected to drain", "ড্রেনে সংযুক্ত সেপটিক ট্যাংক", True),
    ("septic_sewer", "Septic tank connected to sewer", "পয়ঃনালায় সংযুক্ত সেপটিক ট্যাংক", True),
    ("septic_water_body", "Septic tank connected to water body", "জলাশয়ে সংযুক্ত সেপটিক ট্যাংক", True),
    ("septic_open_ground", "Septic tank connected to open ground", "খোলা জমিতে সংযুক্ত সেপটিক ট্যাংক", True),
    ("septic_no_outlet", "Septic tank with no outlet", "নির্গমন পথহীন সেপটিক ট্যাংক", True),
    ("septic_unknown_outlet", "Septic tank, outlet unknown", "সেপটিক ট্যাংক, নির্গমন পথ অজানা", True),
    (
        "lined_pit_impermeable_open_bottom",
        "Lined pit with impermeable walls and open bottom",
        "অভেদ্য দেয়াল ও খোলা তলাসহ বাঁধানো গর্ত",
        True,
    ),
    (
        "lined_pit_semi_permeable",
        "Lined pit with semi-permeable walls and open bottom",
        "আধা-ভেদ্য দেয়াল ও খোলা তলাসহ বাঁধানো গর্ত",
        True,
    ),
    (
        "holding_tank",
        "Holding tank / pit with no outlet (sealed)",
        "ধারক ট্যাংক / নির্গমন পথহীন বদ্ধ গর্ত",
        True,
    ),
    ("unlined_pit", "Unlined pit", "বাঁধানো নয় এমন গর্ত", True),
    ("double_pit", "Double pit", "দুই-গর্ত ল্যাট্রিন", True),
    ("twin_pit_pour_flush", "Twin pit with pour-flush", "পানি ঢালা ফ্লাশসহ টুইন-পিট", True),
    ("composting_ecosan", "Composting / ecosan toilet", "কম্পোস্টিং / ইকোস্যান টয়লেট", True),
    ("biogas", "Bio-gas plant", "বায়োগ্যাস প্ল্যান্ট", True),
    ("unknown", "Unknown", "অজানা", True),
]

# Defaults after Bangladesh's Environment Conservation Rules; each
# municipality edits its own rows.
EFFLUENT_STANDARDS = [
    ("ph", Decimal("6"), Decimal("9")),
    ("bod", None, Decimal("30")),
    ("cod", None, Decimal("200")),
    ("tss", None, Decimal("100")),
    ("ecoli", None, Decimal("1000")),
]


def seed(apps, schema_editor):
    ContainmentType = apps.get_model("fsm", "ContainmentType")
    for order, (code, name_en, name_bn, emptiable) in enumerate(CONTAINMENT_TYPES, start=1):
        ContainmentType.objects.update_or_create(
            code=code,
            defaults={
                "name_en": name_en,
                "name_bn": name_bn,
                "emptiable": emptiable,
                "sort_order": order,
            },
        )
    EffluentStandard = apps.get_model("fsm", "EffluentStandard")
    for parameter, minimum, maximum in EFFLUENT_STANDARDS:
        EffluentStandard.objects.get_or_create(
            parameter=parameter, defaults={"minimum": minimum, "maximum": maximum}
        )


# Sequences are per schema, so per municipality.
class Migration(migrations.Migration):
    dependencies = [("fsm", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS fsm_containment_seq START 1",
            "DROP SEQUENCE IF EXISTS fsm_containment_seq",
        ),
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS fsm_application_seq START 1",
            "DROP SEQUENCE IF EXISTS fsm_application_seq",
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
