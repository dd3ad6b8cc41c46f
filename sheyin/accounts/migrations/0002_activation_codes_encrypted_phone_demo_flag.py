"""Activation codes (the owner sets their own password), account phone numbers encrypted, and the demo
accounts flagged so that production refuses them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


# The accounts `seed_demo` creates, and the password it publishes (README).
DEMO_USERNAMES = ["muni_admin", "muni_officer", "district_admin", "district_officer", "district_inspector",
                  "bank_admin", "outlet_manager", "outlet_staff", "sys_admin", "sec_admin", "audit_admin"]  # fmt: skip
DEMO_PASSWORD = "demo-pass-2026"


def encrypt_phones(apps, schema_editor):  # type: ignore[no-untyped-def]
    from sheyin.common.crypto import encrypt
    from sheyin.common.masking import mask_phone

    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=1000):
        User.objects.filter(pk=user.pk).update(phone_enc=encrypt(user.phone), phone_masked=mask_phone(user.phone)[:11])


def flag_demo_accounts(apps, schema_editor):  # type: ignore[no-untyped-def]
    """A demo account is one of the seeded names still holding the published password."""
    from django.contrib.auth.hashers import check_password

    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(username__in=DEMO_USERNAMES).only("pk", "password"):
        if check_password(DEMO_PASSWORD, user.password):
            User.objects.filter(pk=user.pk).update(is_demo=True)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='is_demo',
            field=models.BooleanField(default=False, verbose_name='演示账号'),
        ),
        migrations.AddField(
            model_name='user',
            name='phone_enc',
            field=models.TextField(blank=True, verbose_name='手机号（密文）'),
        ),
        migrations.AddField(
            model_name='user',
            name='phone_masked',
            field=models.CharField(blank=True, max_length=11, verbose_name='手机号'),
        ),
        migrations.RunPython(encrypt_phones, migrations.RunPython.noop),
        migrations.RunPython(flag_demo_accounts, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='user',
            name='phone',
        ),
        migrations.CreateModel(
            name='ActivationCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('new', '新建账号'), ('reset', '重置密码')], max_length=8, verbose_name='用途')),
                ('code_hash', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='发送时间')),
                ('expires_at', models.DateTimeField(verbose_name='失效时间')),
                ('used_at', models.DateTimeField(blank=True, null=True, verbose_name='使用时间')),
                ('void_at', models.DateTimeField(blank=True, null=True, verbose_name='作废时间')),
                ('failures', models.PositiveSmallIntegerField(default=0, verbose_name='错误次数')),
                ('sent_to', models.CharField(blank=True, max_length=60, verbose_name='发送至')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发起人')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='activation_codes', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '激活码',
                'verbose_name_plural': '激活码',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('used_at__isnull', True), ('void_at__isnull', True)), fields=('user',), name='one_open_activation_code_per_user')],
            },
        ),
    ]
