"""US startups' states as full names (ACE's spelling); no control characters in names."""

from django.db import migrations, models

import core.validators
from workloads.choices import US_STATES, us_state_name


def states_to_names(apps, schema_editor):
    """ "WA" (or "wa", "washington") becomes "Washington"; anything unknown is left as it is."""
    Startup = apps.get_model("workloads", "Startup")
    for startup in Startup.objects.filter(country="US").exclude(state="").only("id", "state"):
        name = us_state_name(startup.state)
        if name is not None and name != startup.state:
            Startup.objects.filter(pk=startup.pk).update(state=name)


def names_to_states(apps, schema_editor):
    Startup = apps.get_model("workloads", "Startup")
    for code, name in US_STATES.items():
        Startup.objects.filter(country="US", state=name).update(state=code)


class Migration(migrations.Migration):
    dependencies = [
        ("workloads", "0005_founder_confirmation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="startup",
            name="name",
            field=models.CharField(
                help_text="Your legal or trading name, as AWS will see it.",
                max_length=120,
                validators=[core.validators.NoControlCharactersValidator("The company name")],
                verbose_name="company name",
            ),
        ),
        migrations.AlterField(
            model_name="startup",
            name="state",
            field=models.CharField(
                blank=True,
                help_text="Required for US addresses: the state or territory's full name "
                "(e.g. Washington).",
                max_length=64,
                validators=[core.validators.NoControlCharactersValidator("The state or region")],
                verbose_name="state or region",
            ),
        ),
        migrations.RunPython(states_to_names, names_to_states, elidable=True),
    ]
