"""Issued bills are immutable: the database refuses any UPDATE except the
issued -> cancelled status change, and any DELETE (TRUNCATE is left to
test teardown and schema drops)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION billing_bill_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'billing_bill % is immutable: it cannot be deleted', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status = 'issued' AND NEW.status = 'cancelled'
       AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'billing_bill % is immutable: issue a correction instead', OLD.number
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_bill_immutable
    BEFORE UPDATE OR DELETE ON billing_bill
    FOR EACH ROW EXECUTE FUNCTION billing_bill_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS billing_bill_immutable ON billing_bill;
DROP FUNCTION IF EXISTS billing_bill_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
