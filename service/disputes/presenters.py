"""Disputes as the API shows them, with parties' personal data masked unless the caller needs it."""
from service.disputes.due import overdue
from service.personal_data import mask_phone


def sees_all_personal_data(user) -> bool:
    """Level 1, centre staff and admin see every party in full; others only their cases'."""
    return bool({"admin", "center_staff"} & user.role_names) or any(
        a.level == 1 for a in user.assignments)


def sees_personal_data(user, scope, dispute) -> bool:
    """Assigned mediators, the head of the dispute's committee, level 1, centre staff, admin."""
    if sees_all_personal_data(user):
        return True
    if any(m.user_id == user.id for m in dispute.mediators):
        return True
    return any(m.user_id == user.id and m.is_head for m in dispute.committee.members)


def party_item(party, full, decrypt):
    return {"id": party.id, "name": party.name,
            "phone": party.phone if full else mask_phone(party.phone),
            "id_number": (decrypt(party.id_number_encrypted) if full else party.id_number_masked)
            if party.id_number_encrypted else None}


def dispute_item(dispute, full, decrypt):
    committee = dispute.committee
    agreement = None
    if dispute.agreement_terms:
        agreement = {"terms": dispute.agreement_terms, "form": dispute.agreement_form,
                     "amount_yuan": str(dispute.agreement_amount_yuan)
                     if dispute.agreement_amount_yuan is not None else None,
                     "perform_by": dispute.agreement_perform_by,
                     "judicial_confirmation_due": dispute.judicial_confirmation_due}
    return {
        "id": dispute.id, "number": dispute.number, "incident_id": dispute.incident_id,
        "channel": dispute.channel, "type": dispute.type, "serious": dispute.serious,
        "description": dispute.description, "status": dispute.status,
        "escalated": dispute.escalated,
        "committee": {"id": committee.id, "name": committee.name, "level": committee.level,
                      "village_id": committee.village_id},
        "village_id": dispute.village_id, "grid_id": dispute.grid_id,
        "village_ids": sorted(v.village_id for v in dispute.villages),
        "parties": [party_item(p, full, decrypt) for p in dispute.parties],
        "mediators": [{"id": m.user.id, "name": m.user.name} for m in dispute.mediators],
        "agreement": agreement, "failure_reason": dispute.failure_reason,
        "supervision_level": dispute.supervision_level, "due_at": dispute.due_at,
        "overdue": overdue(dispute), "received_at": dispute.received_at,
        "created_at": dispute.created_at, "updated_at": dispute.updated_at,
        "version": dispute.version,
    }
