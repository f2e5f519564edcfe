from django.db import migrations


def load(apps, schema_editor):
    from workloads.pricebook_data import load_price_books

    load_price_books(
        apps.get_model("workloads", "PriceBook"),
        apps.get_model("workloads", "ModelPrice"),
        apps.get_model("workloads", "TierDefault"),
    )


class Migration(migrations.Migration):
    dependencies = [("workloads", "0002_price_book")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
