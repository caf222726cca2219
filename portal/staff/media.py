"""Media columns (回音壁 in newspapers, TV and radio): create an issue, pick public replies
into it with the wall's search and filters, order and shorten them, export, mark sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms.validators import NumberRange

from portal.auth.access import requires
from portal.cases.workflow import Role
from portal.db import db
from portal.forms import (
    LocalDateField,
    PortalForm,
    RadioChoiceField,
    WholeNumberField,
    block_field,
    chosen,
    coerce_id,
    given,
    line_field,
)
from portal.media.export import issue_docx, issue_heading
from portal.media.models import (
    COLUMN_NAME_MAX,
    LENGTH_LIMIT_MAX,
    LENGTH_LIMIT_MIN,
    OUTLET_NAME_MAX,
    ColumnIssue,
    ColumnItem,
    OutletKind,
)
from portal.media.queries import issues_query, known_outlets
from portal.media.services import (
    ColumnRefused,
    add_item,
    create_issue,
    move_item,
    remove_item,
    send_issue,
    shorten_item,
)
from portal.pagination import Page, paginate
from portal.search.index import SearchUnavailable
from portal.wall.models import Publication
from portal.wall.queries import WallFilters, facet_options, wall_query
from portal.wall.search import run_search

from .actions import committed
from .forms import ConfirmForm
from .guard import protect

bp = protect(Blueprint("media", __name__, url_prefix="/staff/media"))
PICKER_PER_PAGE = 10
ROLES = (Role.MODERATOR, Role.ADMIN)  # those who decide what is public


class IssueForm(PortalForm):
    outlet_name = line_field("媒体名称", max_=OUTLET_NAME_MAX, description="例如：杭州日报")
    kind = RadioChoiceField("媒体类型", choices=OutletKind.choices(), validators=[chosen("媒体类型")])
    column_name = line_field("栏目名称", max_=COLUMN_NAME_MAX, description="例如：市长信箱回音壁")
    length_limit = WholeNumberField("每条字数上限", default=600, validators=[
        given("每条字数上限"), NumberRange(LENGTH_LIMIT_MIN, LENGTH_LIMIT_MAX,
                                         f"请填写 {LENGTH_LIMIT_MIN} 至 {LENGTH_LIMIT_MAX} 之间的整数")],
        description="每条答复刊登的字数上限（不含标题），按媒体的要求填写")
    issue_date = LocalDateField("刊登日期", validators=[given("刊登日期", "选择")])


class PickForm(PortalForm):
    publication = WholeNumberField("答复", validators=[given("答复", "选择")])


class TextForm(PortalForm):
    text = block_field("刊登文本", max_=LENGTH_LIMIT_MAX * 2)


class MoveForm(PortalForm):
    position = WholeNumberField("移到第几条", validators=[given("位置")])


def _page_number() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)


@bp.route("")
@requires(*ROLES)
def index() -> Any:
    """Every issue, the latest first."""
    return render_template("staff/media_issues.html",
                           page=paginate(db.session, issues_query(), _page_number()))


@bp.route("/new", methods=["GET", "POST"])
@requires(*ROLES)
def new() -> Any:
    """Start an issue of a column."""
    form = IssueForm()
    if form.validate_on_submit():
        issue = create_issue(
            db.session, outlet_name=form.outlet_name.data, kind=OutletKind(form.kind.data),
            column_name=form.column_name.data, length_limit=form.length_limit.data,
            issue_date=form.issue_date.data, by=current_user)
        db.session.commit()
        flash("已新建一期，请从回音壁选取答复。", "success")
        return redirect(url_for(".issue", issue_id=issue.id), code=303)
    return render_template("staff/media_new.html", form=form,
                           outlets=known_outlets(db.session)), 400 if form.errors else 200


def _issue(issue_id: int) -> ColumnIssue:
    issue = db.session.get(ColumnIssue, issue_id)
    if issue is None:
        abort(404)
    return issue


def _item(issue: ColumnIssue, item_id: int) -> ColumnItem:
    item = next((i for i in issue.items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _candidates(filters: WallFilters, text: str) -> tuple[Page, bool]:
    """One page of public replies to pick from: the wall's search for ``text``, else the
    wall itself; and whether search was unavailable."""
    if not text:
        page = paginate(db.session, wall_query(filters), _page_number(), PICKER_PER_PAGE)
        page.items = [(pub, None) for pub in page.items]
        return page, False
    rows: list[tuple[Publication, Markup]] = []
    total, unavailable = 0, False
    try:
        rows, total = run_search(text, filters, _page_number(), PICKER_PER_PAGE, False)
    except SearchUnavailable as exc:
        current_app.logger.warning("search unavailable: %s", exc)
        unavailable = True
    return Page(list(rows), total, _page_number(), PICKER_PER_PAGE), unavailable


def _issue_page(issue: ColumnIssue, posted: dict[int, FlaskForm] | None = None) -> Any:
    """The issue with a text form per item (one that was posted and refused keeps its
    text and error) and, while it is a draft, the picker."""
    posted = posted or {}
    texts = {item.id: posted.get(item.id) or TextForm(formdata=None, prefix=f"item{item.id}",
                                                      data={"text": item.text})
             for item in issue.items}
    filters = WallFilters.from_args(request.args)
    q = request.args.get("q", "")[:200].strip()
    page, unavailable = _candidates(filters, q) if issue.is_draft else (None, False)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "staff/media_issue.html", issue=issue, texts=texts, confirm=ConfirmForm(formdata=None),
        page=page, unavailable=unavailable, q=q, filters=filters, args=args,
        facets=facet_options(db.session), picked={i.publication_id for i in issue.items},
    ), 400 if posted else 200


@bp.route("/<id:issue_id>")
@requires(*ROLES)
def issue(issue_id: int) -> Any:
    """One issue: its items in order, to shorten and reorder, and replies to add."""
    return _issue_page(_issue(issue_id))


def _back(issue: ColumnIssue, anchor: str | None = None) -> Any:
    return redirect(url_for(".issue", issue_id=issue.id, _anchor=anchor), code=303)


def _done(issue: ColumnIssue, form: FlaskForm, work: Callable[[], object], message: str,
          anchor: str | None = None) -> Any:
    """Validate ``form``, run one service and commit; back to the issue either way."""
    if not form.validate():
        flash(next(iter(form.errors.values()))[0], "error")
    elif committed(work):
        flash(message, "success")
    return _back(issue, anchor)


@bp.route("/<id:issue_id>/items", methods=["POST"])
@requires(*ROLES)
def add(issue_id: int) -> Any:
    """Add a public reply at the end of the issue."""
    issue = _issue(issue_id)
    form = PickForm()
    ident = coerce_id(form.publication.data) if form.validate() else None
    pub = db.session.get(Publication, ident) if ident else None
    if pub is None:
        flash("没有找到该答复。", "error")
    elif committed(lambda: add_item(db.session, issue, pub, current_user)):
        flash("已加入本期。", "success")
    return _back(issue, "items")


@bp.route("/<id:issue_id>/items/<id:item_id>/move", methods=["POST"])
@requires(*ROLES)
def move(issue_id: int, item_id: int) -> Any:
    """Move an item up, down, or to a given place."""
    issue = _issue(issue_id)
    item = _item(issue, item_id)
    form = MoveForm()
    return _done(issue, form, lambda: move_item(db.session, item, form.position.data,
                                                current_user), "已调整顺序。", "items")


@bp.route("/<id:issue_id>/items/<id:item_id>/remove", methods=["POST"])
@requires(*ROLES)
def remove(issue_id: int, item_id: int) -> Any:
    """Take an item out of the issue."""
    issue = _issue(issue_id)
    item = _item(issue, item_id)
    return _done(issue, ConfirmForm(), lambda: remove_item(db.session, item, current_user),
                 "已移出本期。", "items")


@bp.route("/<id:issue_id>/items/<id:item_id>/text", methods=["POST"])
@requires(*ROLES)
def shorten(issue_id: int, item_id: int) -> Any:
    """Save an item's shortened text; one over the column's length is refused beside it."""
    issue = _issue(issue_id)
    item = _item(issue, item_id)
    form = TextForm(prefix=f"item{item.id}")
    if form.validate():
        try:
            shorten_item(db.session, item, form.text.data, current_user)
        except ColumnRefused as refused:
            db.session.rollback()
            form.text.errors = [refused.reason]
        else:
            db.session.commit()
            flash("已保存刊登文本。", "success")
            return _back(issue, f"item-{item.id}")
    return _issue_page(_issue(issue_id), {item.id: form})


@bp.route("/<id:issue_id>/send", methods=["POST"])
@requires(*ROLES)
def send(issue_id: int) -> Any:
    """Record that the outlet carries this issue on its date."""
    issue = _issue(issue_id)
    return _done(issue, ConfirmForm(), lambda: send_issue(db.session, issue, current_user),
                 "已标记为刊登：回音壁上的这些答复将显示刊登信息。")


@bp.route("/<id:issue_id>/export.html")
@requires(*ROLES)
def export_html(issue_id: int) -> Any:
    """The issue as a page to print or copy from."""
    issue = _issue(issue_id)
    return render_template("staff/media_export.html", issue=issue, heading=issue_heading(issue))


@bp.route("/<id:issue_id>/export.docx")
@requires(*ROLES)
def export_docx(issue_id: int) -> Response:
    """The issue as a Word document for the outlet."""
    issue = _issue(issue_id)
    name = f"column-issue-{issue.id}-{issue.issue_date.isoformat()}.docx"
    return Response(issue_docx(issue),
                    headers={"Content-Disposition": f"attachment; filename={name}"},
                    mimetype="application/vnd.openxmlformats-officedocument"
                             ".wordprocessingml.document")
