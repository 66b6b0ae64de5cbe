"""Parties' personal data in the service: the configured cipher, a new party stored with its ID
number encrypted, and finding disputes by a party."""
import re

from flask import current_app
from sqlalchemy import or_, select, true

from service.disputes.presenters import sees_all_personal_data
from service.models import Dispute, DisputeMediator, DisputeParty
from service.personal_data import (IdNumberCipher, mask_id_number, mask_phone,
                                   normalise_id_number, valid_id_number)

PHONE = re.compile(r"\+?[0-9-]{5,20}")  # as parties' phones are taken (PartyInputSchema)


def cipher():
    return IdNumberCipher(current_app.config["PERSONAL_DATA_KEY"])


def new_party(party):
    id_number = party.get("id_number")
    if id_number:
        id_number = normalise_id_number(id_number)
        secret = cipher()
        return DisputeParty(name=party["name"], phone=party.get("phone"),
                            id_number_encrypted=secret.encrypt(id_number),
                            id_number_index=secret.blind_index(id_number),
                            id_number_masked=mask_id_number(id_number))
    return DisputeParty(name=party["name"], phone=party.get("phone"))


def shown_in_full(user, scope):
    """Disputes whose parties ``user`` sees in full (presenters.sees_personal_data), in SQL."""
    if sees_all_personal_data(user):
        return true()
    return or_(Dispute.id.in_(select(DisputeMediator.dispute_id)
                              .where(DisputeMediator.user_id == user.id)),
               Dispute.committee_id.in_(sorted(scope.head_of_committee_ids)))


def has_numbers(dispute):
    """Whether any party of ``dispute`` has an ID or phone number to show."""
    return any(party.phone or party.id_number_encrypted for party in dispute.parties)


def _searched(text):
    """What a party search names: ("id_number" | "phone" | "name", the value to match)."""
    text = text.strip()
    if valid_id_number(text):
        return "id_number", normalise_id_number(text)
    return ("phone" if PHONE.fullmatch(text) else "name"), text


def number_searched(text):
    """What a search by a full number looked for, masked for the record; None for a name."""
    kind, value = _searched(text)
    if kind == "id_number":
        return f"按身份证号查找（{mask_id_number(value)}）"
    return f"按电话查找（{mask_phone(value)}）" if kind == "phone" else None


def with_party(user, scope, text):
    """Disputes with a party ``text`` names: an ID number or a phone number exactly — only among
    the disputes whose parties the caller sees in full, or a masked number could be guessed by
    searching — otherwise a part of the party's name."""
    kind, value = _searched(text)
    if kind == "name":
        return Dispute.id.in_(select(DisputeParty.dispute_id).where(
            DisputeParty.name.contains(value, autoescape=True)))
    match = (DisputeParty.id_number_index == cipher().blind_index(value) if kind == "id_number"
             else DisputeParty.phone == value)
    return Dispute.id.in_(select(DisputeParty.dispute_id).where(match)) & shown_in_full(user, scope)
