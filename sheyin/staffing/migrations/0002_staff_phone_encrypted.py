"""Staff phone numbers are personal data at rest: encrypted (SM4-GCM) with a mask for display."""

from django.db import migrations, models


def encrypt_phones(apps, schema_editor):  # type: ignore[no-untyped-def]
    from sheyin.common.crypto import encrypt
    from sheyin.common.masking import mask_phone

    StaffMember = apps.get_model("staffing", "StaffMember")
    for staff in StaffMember.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=1000):
        StaffMember.objects.filter(pk=staff.pk).update(
            phone_enc=encrypt(staff.phone), phone_masked=mask_phone(staff.phone)[:11]
        )


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="staffmember",
            name="phone_enc",
            field=models.TextField(blank=True, verbose_name="手机号（密文）"),
        ),
        migrations.AddField(
            model_name="staffmember",
            name="phone_masked",
            field=models.CharField(blank=True, max_length=11, verbose_name="手机号"),
        ),
        migrations.RunPython(encrypt_phones, migrations.RunPython.noop),
        migrations.RemoveField(model_name="staffmember", name="phone"),
    ]
