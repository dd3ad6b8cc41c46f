"""Registering, editing, rotating and revoking bank clients; creating and revoking personal tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api import services
from sheyin.api.models import ApiClient, Nonce
from sheyin.api.tests.factories import api_client_for, token_for
from sheyin.audit.models import AuditEvent
from sheyin.common.crypto import decrypt
from sheyin.institutions.models import Bank
from sheyin.institutions.tests.factories import BankFactory, district, municipal

pytestmark = pytest.mark.django_db


@pytest.fixture
def muni(reference):  # type: ignore[no-untyped-def]
    return user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())


def test_registering_a_client_returns_the_secret_once_and_stores_it_encrypted(muni) -> None:  # type: ignore[no-untyped-def]
    client, secret = services.client_register(data={"bank": BankFactory(), "name": "前置系统"}, by=muni)
    assert len(secret) == 64
    assert secret not in client.secret_enc
    assert decrypt(client.secret_enc) == secret
    event = AuditEvent.objects.get(action="api_client.register")
    assert event.actor_id == muni.pk
    assert secret not in str(event.after) and "secret_enc" not in event.after


def test_only_the_municipal_center_registers_clients(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=bank)
    with pytest.raises(NotAllowed):
        services.client_register(data={"bank": bank, "name": "自助登记"}, by=bank_admin)
    assert not ApiClient.objects.exists()


def test_a_client_name_is_unique_per_bank(muni) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    services.client_register(data={"bank": bank, "name": "前置"}, by=muni)
    with pytest.raises(ValidationError) as err:
        services.client_register(data={"bank": bank, "name": "前置"}, by=muni)
    assert "name" in err.value.message_dict


def test_a_bad_address_in_the_allow_list_is_refused_on_its_field(muni) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        services.client_register(
            data={"bank": BankFactory(), "name": "x", "allowed_addresses": "10.0.0.0/8\n300.1.1.1"}, by=muni
        )
    assert "300.1.1.1" in err.value.message_dict["allowed_addresses"][0]


def test_addresses_are_normalised_to_networks(muni) -> None:  # type: ignore[no-untyped-def]
    client, _ = services.client_register(
        data={"bank": BankFactory(), "name": "x", "allowed_addresses": "10.1.2.3/16, 192.0.2.1"}, by=muni
    )
    assert client.allowed_addresses == "10.1.0.0/16\n192.0.2.1/32"


def test_a_bank_whose_cooperation_ended_gets_no_client(muni) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        services.client_register(data={"bank": BankFactory(status=Bank.Status.ENDED), "name": "x"}, by=muni)


def test_editing_changes_the_settings_and_is_audited(muni) -> None:  # type: ignore[no-untyped-def]
    client, _ = services.client_register(data={"bank": BankFactory(), "name": "x"}, by=muni)
    services.client_update(client=client, data={"name": "y", "rate_limit_per_minute": 60}, by=muni)
    client.refresh_from_db()
    assert (client.name, client.rate_limit_per_minute) == ("y", 60)
    event = AuditEvent.objects.get(action="api_client.update")
    assert event.after == {"name": "y", "rate_limit_per_minute": 60}


def test_rotating_replaces_the_secret_and_records_who(muni) -> None:  # type: ignore[no-untyped-def]
    client, old = services.client_register(data={"bank": BankFactory(), "name": "x"}, by=muni)
    client, new = services.client_rotate(client=client, by=muni)
    assert new != old and decrypt(client.secret_enc) == new
    assert client.rotated_by == muni
    assert AuditEvent.objects.filter(action="api_client.rotate").exists()


def test_revoking_needs_a_reason_and_cannot_be_undone_by_rotation(muni) -> None:  # type: ignore[no-untyped-def]
    client, _ = services.client_register(data={"bank": BankFactory(), "name": "x"}, by=muni)
    with pytest.raises(ValidationError):
        services.client_revoke(client=client, reason=" ", by=muni)
    services.client_revoke(client=client, reason="合作终止", by=muni)
    client.refresh_from_db()
    assert client.status == ApiClient.Status.REVOKED and client.revoked_by == muni
    with pytest.raises(ValidationError):
        services.client_rotate(client=client, by=muni)


def test_a_token_is_stored_only_as_a_hash(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    row, clear = token_for(user)
    assert clear.startswith(f"syt_{row.prefix}_")
    assert clear not in row.token_hash
    event = AuditEvent.objects.get(action="api_token.create")
    assert clear not in str(event.after)


def test_a_token_lives_at_most_ninety_days(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    with pytest.raises(ValidationError) as err:
        services.token_create(user=user, name="x", days=91, by=user)
    assert "days" in err.value.message_dict


def test_nobody_makes_a_token_for_someone_else(reference) -> None:  # type: ignore[no-untyped-def]
    a = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    b = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    with pytest.raises(NotAllowed):
        services.token_create(user=a, name="x", days=1, by=b)
    row, _ = token_for(a)
    with pytest.raises(NotAllowed):
        services.token_revoke(token=row, by=b)


def test_housekeeping_keeps_nonces_for_twice_the_window(reference) -> None:  # type: ignore[no-untyped-def]
    client, _ = api_client_for(BankFactory())
    now = timezone.now()
    Nonce.objects.create(client=client, nonce="a" * 16, seen_at=now - dt.timedelta(seconds=599))
    Nonce.objects.create(client=client, nonce="b" * 16, seen_at=now - dt.timedelta(seconds=601))
    assert services.housekeeping(now=now)["nonces"] == 1
    assert list(Nonce.objects.values_list("nonce", flat=True)) == ["a" * 16]


def test_clients_are_scoped_all_for_the_municipal_center_own_bank_for_a_bank_none_for_a_district(
    muni,
) -> None:  # type: ignore[no-untyped-def]
    from sheyin.api.selectors import clients_for, tokens_for

    home, other = BankFactory(), BankFactory()
    mine, _ = api_client_for(home, name="本行")
    api_client_for(other, name="他行")
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=home)
    district_officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    assert clients_for(muni).count() == 2
    assert list(clients_for(bank_admin)) == [mine]
    assert not clients_for(district_officer).exists()
    token_for(bank_admin)
    assert tokens_for(bank_admin).count() == 1
    assert not tokens_for(muni).exists()  # tokens are personal, even for the municipal center
