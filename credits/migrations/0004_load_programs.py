from django.db import migrations


def load(apps, schema_editor):
    from credits.programs_data import load_programs

    load_programs(apps.get_model("credits", "CreditProgram"))


class Migration(migrations.Migration):
    dependencies = [("credits", "0003_program_terms_history_and_snapshots")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
