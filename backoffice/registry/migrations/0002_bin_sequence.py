from django.db import migrations

# One sequence per schema, so per municipality: BINs never come from max()+1
# and two concurrent creators can never get the same number.
class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS registry_bin_seq START 1",
            "DROP SEQUENCE IF EXISTS registry_bin_seq",
        )
    ]
