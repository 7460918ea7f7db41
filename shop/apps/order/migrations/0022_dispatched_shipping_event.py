from django.db import migrations


def add_dispatched(apps, schema_editor):
    """The event that ships store order lines out of the lots (and into the
    ledger): staff choose it in the order dashboard."""
    EventType = apps.get_model("order", "ShippingEventType")
    EventType.objects.get_or_create(code="dispatched", defaults={"name": "Dispatched"})


class Migration(migrations.Migration):
    dependencies = [("order", "0021_billingaddress_code_shippingaddress_code")]

    operations = [migrations.RunPython(add_dispatched, migrations.RunPython.noop)]
