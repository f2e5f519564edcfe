"""Idempotency keys per client, hashed, and stored without the intake's access token.

The rows written before hold plain keys and plain access tokens, and have no client, so
they could never be replayed safely: they are deleted (a retry of one of those requests
makes a new intake, as a new key would).
"""

from django.db import migrations, models


def delete_old_keys(apps, schema_editor):
    apps.get_model("matching", "IdempotencyKey").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0007_founder_confirmation"),
    ]

    operations = [
        migrations.RunPython(delete_old_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="idempotencykey",
            name="idempotency_key_unique",
        ),
        migrations.AddField(
            model_name="idempotencykey",
            name="client",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.AddField(
            model_name="idempotencykey",
            name="secret_seed",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddConstraint(
            model_name="idempotencykey",
            constraint=models.UniqueConstraint(
                fields=("scope", "client", "key"), name="idempotency_key_unique"
            ),
        ),
    ]
