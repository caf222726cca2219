"""Publishing to the echo wall: propose a redacted version, publish, refuse; and change
what is already public (edit, withdraw, republish) with four eyes: an admin's change
applies at once, a moderator's waits until another moderator or an admin approves it.

Every step goes through ``perform`` (audited). Every change to what is public writes a
``search_outbox`` row and a ``PublicationVersion`` in the same transaction, and, after
the first publication, mails the citizen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import CursorResult, func, select, text, update
from sqlalchemy.orm import Session

from portal.cases.handling import mail_citizen
from portal.cases.models import Case
from portal.cases.services import perform
from portal.cases.tracking import tracking_link_url
from portal.cases.workflow import (
    PUBLICATION_CHANGES,
    Action,
    Actor,
    TransitionRefused,
    acting_role,
    refusal,
)
from portal.db import utcnow
from portal.dispatch import mark_pending
from portal.privacy.redact import Redaction, citizen_label, redact
from portal.urls import external_url

from .models import (
    PUBLIC_FIELDS,
    ChangeProposal,
    Publication,
    PublicationVersion,
    PublicText,
    SearchOutbox,
    VersionKind,
)

ALREADY_DECIDED = "该变更提议已由他人处理"

@dataclass
class Proposal:
    """What the moderator starts from: each text redacted, with its masks for the diff."""

    title: Redaction
    letter: Redaction
    reply: Redaction
    address: Redaction
    citizen: str


def _letter_of(case: Case) -> str:
    parts = [case.content]
    if case.proposal:
        parts.append("具体建议：" + case.proposal)
    if case.benefit:
        parts.append("预期效果：" + case.benefit)
    return "\n\n".join(parts)


def propose(case: Case) -> Proposal:
    names = case.citizen_names
    contact = case.contact
    return Proposal(
        title=redact(case.title, names),
        letter=redact(_letter_of(case), names),
        reply=redact(case.reply or "", names),
        address=redact(case.location or "", names),
        citizen=citizen_label(contact.name if contact else None,
                              contact.salutation if contact else None),
    )


def queue_index(session: Session, op: str, *publications: Publication) -> None:
    """Add an outbox row per publication for the index. On PostgreSQL, publishing
    transactions take turns here, so outbox ids commit in order and a sync never skips a
    late one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE search_outbox IN SHARE ROW EXCLUSIVE MODE"))
    session.add_all(SearchOutbox(publication_id=pub.id, op=op) for pub in publications)
    mark_pending(session, "search")


def _redacted(case: Case, typed: PublicText) -> PublicText:
    """The redaction runs again on whatever was typed, so nothing personal slips through."""
    names = case.citizen_names
    return PublicText(
        title=redact(typed.title, names).text[:200],
        letter=redact(typed.letter, names).text,
        reply=redact(typed.reply, names).text,
        address=redact(typed.address, names).text[:200] if typed.address else None,
    )


def _live(case: Case, public: PublicText) -> dict[str, Any]:
    """The live copy's columns for ``public``, with the case's facts as they are now."""
    contact = case.contact
    return {
        **asdict(public),
        "citizen_label": citizen_label(contact.name if contact else None,
                                       contact.salutation if contact else None),
        "department_name": case.department.name if case.department else "市政府办公室",
        "category_name": case.category.name if case.category else "其他",
        "campaign_id": case.campaign_id,
        "kind": case.kind, "channel": case.channel,
        "adoption": case.adoption, "satisfaction": case.satisfaction,
        "submitted_at": case.submitted_at, "replied_at": case.replied_at or utcnow(),
        "is_public": True, "published_at": utcnow(), "withdrawn_at": None,
    }


def _record(session: Session, pub: Publication, kind: VersionKind, *, reason: str | None,
            changed_by: int | None, approved_by: int | None = None) -> PublicationVersion:
    """Add the live copy to the history as the next version. Called after ``queue_index``:
    on PostgreSQL its lock orders concurrent changes, so the number read here is current.
    A first publication is version 1 without asking (nothing can precede it)."""
    number = 0 if kind is VersionKind.PUBLISHED else session.scalar(
        select(func.max(PublicationVersion.number))
        .where(PublicationVersion.publication_id == pub.id)) or 0
    version = PublicationVersion(
        number=number + 1, kind=kind, reason=reason, changed_by_id=changed_by,
        approved_by_id=approved_by,
        **{name: getattr(pub, name) for name in PUBLIC_FIELDS})
    pub.versions.append(version)
    return version


def publish_case(session: Session, case: Case, actor: Actor, *, title: str, letter: str,
                 reply: str, address: str | None = None) -> Publication:
    """公开: the first publication, one moderator's decision. Stores the public copy
    (redacted again, whatever was typed) as version 1 and indexes it.

    ``address`` is the place as the moderator lets it be public; None keeps it private.
    """
    return publish_cases(session, actor, [(case, PublicText(title, letter, reply, address))])[0]


def publish_cases(session: Session, actor: Actor, typed: Sequence[tuple[Case, PublicText]]
                  ) -> list[Publication]:
    """``publish_case`` for many cases in one flush (the archive import's batches)."""
    pubs = []
    for case, public in typed:
        perform(session, case, Action.PUBLISH, actor, flush=False)
        pub = Publication(**_live(case, _redacted(case, public)))
        session.add(pub)
        case.publication = pub
        _record(session, pub, VersionKind.PUBLISHED, reason=None, changed_by=actor.staff_id)
        pubs.append(pub)
    session.flush()
    queue_index(session, "index", *pubs)
    return pubs


def refuse_publication(session: Session, case: Case, actor: Actor, reason: str) -> None:
    """不予公开: the moderator decides this case stays off the wall."""
    perform(session, case, Action.REFUSE_PUBLICATION, actor, note=reason)


def edit_publication(session: Session, case: Case, actor: Actor, typed: PublicText,
                     reason: str) -> ChangeProposal | None:
    """修改 what is on the wall. Returns the proposal while it waits, None once applied."""
    return _change(session, case, actor, VersionKind.EDITED, reason, typed)


def withdraw_publication(session: Session, case: Case, actor: Actor, reason: str
                         ) -> ChangeProposal | None:
    """撤回: off the wall and out of search at once when applied."""
    return _change(session, case, actor, VersionKind.WITHDRAWN, reason)


def republish_case(session: Session, case: Case, actor: Actor, typed: PublicText,
                   reason: str) -> ChangeProposal | None:
    """重新公开 what was withdrawn, as ``typed``."""
    return _change(session, case, actor, VersionKind.REPUBLISHED, reason, typed)


def _change(session: Session, case: Case, actor: Actor, kind: VersionKind, reason: str,
            typed: PublicText | None = None) -> ChangeProposal | None:
    """Apply the change if the actor may make it alone (an admin), else propose it.

    The reason is redacted too: moderators read it on the desk, and the citizen in a mail.
    """
    reason = redact(reason, case.citizen_names).text
    public = _redacted(case, typed) if typed else None
    if (kind is VersionKind.EDITED and case.publication is not None
            and public == case.publication.text):
        raise TransitionRefused("公开内容没有改动")
    if acting_role(kind.action, case, actor) is None:
        return _propose(session, case, actor, kind, reason, public)
    perform(session, case, kind.action, actor, note=reason)
    _apply(session, case, kind, public, reason, changed_by=actor.staff_id)
    return None


def _propose(session: Session, case: Case, actor: Actor, kind: VersionKind, reason: str,
             public: PublicText | None) -> ChangeProposal:
    needs = PUBLICATION_CHANGES[kind.action]
    refused = refusal(Action.PROPOSE_CHANGE, case, actor) or needs(case)
    if refused:
        raise TransitionRefused(refused)
    perform(session, case, Action.PROPOSE_CHANGE, actor, note=f"{kind.action.label}：{reason}")
    assert case.publication is not None
    proposal = ChangeProposal(kind=kind, reason=reason, proposed_by_id=actor.staff_id,
                              **(asdict(public) if public else {}))
    case.publication.proposals.append(proposal)
    session.flush()
    return proposal


def _settle(session: Session, proposal: ChangeProposal, actor: Actor, approved: bool) -> None:
    """Decide a proposal once: of two people deciding at the same moment, one wins."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(ChangeProposal)
        .where(ChangeProposal.id == proposal.id, ChangeProposal.decided_at.is_(None))
        .values(decided_by_id=actor.staff_id, decided_at=utcnow(), approved=approved))
    if result.rowcount != 1:
        raise TransitionRefused(ALREADY_DECIDED)


def _undecided(proposal: ChangeProposal) -> Case:
    """The proposal's case, while nobody has decided the proposal yet."""
    if proposal.decided_at is not None:
        raise TransitionRefused(ALREADY_DECIDED)
    return proposal.publication.case


def approve_change(session: Session, proposal: ChangeProposal, actor: Actor
                   ) -> PublicationVersion:
    """批准: the second pair of eyes (never the proposer's); the change is made now."""
    case = _undecided(proposal)
    perform(session, case, Action.APPROVE_CHANGE, actor,
            note=f"{proposal.kind.action.label}：{proposal.reason}")
    _settle(session, proposal, actor, approved=True)
    return _apply(session, case, proposal.kind, proposal.text, proposal.reason,
                  changed_by=proposal.proposed_by_id, approved_by=actor.staff_id)


def reject_change(session: Session, proposal: ChangeProposal, actor: Actor, reason: str
                  ) -> None:
    """驳回: the proposal is dropped and the wall stays as it is; the proposer may take
    back their own proposal this way too."""
    case = _undecided(proposal)
    perform(session, case, Action.REJECT_CHANGE, actor,
            note=f"{proposal.kind.action.label}：{redact(reason, case.citizen_names).text}")
    _settle(session, proposal, actor, approved=False)


def _apply(session: Session, case: Case, kind: VersionKind, public: PublicText | None,
           reason: str, *, changed_by: int | None, approved_by: int | None = None
           ) -> PublicationVersion:
    """Change the live copy, the index and the history, and tell the citizen."""
    pub = case.publication
    assert pub is not None
    before = {name: getattr(pub, name) for name in PUBLIC_FIELDS}
    if public is None:
        pub.is_public = False
        pub.withdrawn_at = utcnow()
        queue_index(session, "delete", pub)
    else:
        for name, value in _live(case, public).items():
            setattr(pub, name, value)
        queue_index(session, "index", pub)
    version = _record(session, pub, kind, reason=reason, changed_by=changed_by,
                      approved_by=approved_by)
    changed = [label for name, label in PUBLIC_FIELDS.items() if getattr(pub, name) != before[name]]
    _tell_citizen(session, case, version, changed)
    return version


# The citizen's mail for each change: subject and what happened, in their words.
_TOLD = {
    VersionKind.EDITED: ("您在回音壁公开的来信已修改",
                         "您在回音壁公开的来信“{title}”已修改，改动的部分：{changed}。"),
    VersionKind.WITHDRAWN: ("您的来信已从回音壁撤下",
                            "您的来信“{title}”已从回音壁撤下，不再公开显示，也不能再被搜索到。"),
    VersionKind.REPUBLISHED: ("您的来信已重新在回音壁公开", "您的来信“{title}”已重新在回音壁公开。"),
}


def _tell_citizen(session: Session, case: Case, version: PublicationVersion,
                  changed: list[str]) -> None:
    """Mail what changed and why. It names nothing but the public title and the salutation
    the wall shows: the texts may have changed because they said too much."""
    subject, what = _TOLD[version.kind]
    if version.kind is VersionKind.WITHDRAWN:
        link, link_text = tracking_link_url(case.tracking_code), "查看办理进度"
    else:
        link = external_url("wall.detail", publication_id=version.publication.id)
        link_text = "查看公开内容"
    mail_citizen(session, case, subject,
                 [what.format(title=version.title, changed="、".join(changed)),
                  f"理由：{version.reason}"],
                 link, link_text, greeting=version.citizen_label)
