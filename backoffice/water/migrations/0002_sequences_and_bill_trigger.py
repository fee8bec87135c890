"""Connection numbers and application references come from sequences of
the municipality's own schema; issued water bills are immutable like
holding-tax bills (billing 0002): the database refuses any UPDATE except
the issued -> cancelled status change, and any DELETE (TRUNCATE is left to
test teardown and schema drops)."""

from django.db import migrations

CREATE = """
CREATE SEQUENCE IF NOT EXISTS water_connection_number_seq;
CREATE SEQUENCE IF NOT EXISTS water_application_reference_seq;
CREATE OR REPLACE FUNCTION water_waterbill_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'water_waterbill % is immutable: it cannot be deleted', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status = 'issued' AND NEW.status = 'cancelled'
       AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'water_waterbill % is immutable: issue a cancellation instead', OLD.number
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER water_waterbill_immutable
    BEFORE UPDATE OR DELETE ON water_waterbill
    FOR EACH ROW EXECUTE FUNCTION water_waterbill_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS water_waterbill_immutable ON water_waterbill;
DROP FUNCTION IF EXISTS water_waterbill_immutable();
DROP SEQUENCE IF EXISTS water_application_reference_seq;
DROP SEQUENCE IF EXISTS water_connection_number_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("water", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
