"""Demonstration data: a city's departments, categories, staff, a campaign and cases."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.auth.services import create_staff
from portal.campaigns.models import Campaign
from portal.cases.models import CannedReply, Category, Department
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Actor, Channel, Kind, Role
from portal.clock import local_today
from portal.open311.models import Datatype, ServiceAttribute
from portal.wall.importer import import_lines

DEPARTMENTS = [
    "市发展和改革委员会", "市教育局", "市公安局", "市民政局", "市人力资源和社会保障局",
    "市自然资源和规划局", "市生态环境局", "市住房和城乡建设委员会", "市交通运输局", "市水务局",
    "市农业农村局", "市商务局", "市文化和旅游局", "市卫生健康委员会", "市市场监督管理局",
    "市城市管理局", "市医疗保障局", "市政务服务和数据管理局",
]
CATEGORIES = [
    "城乡建设", "交通出行", "生态环境", "教育", "医疗卫生", "社会保障", "劳动就业",
    "市场监管", "城市管理", "住房保障", "公共安全", "文化旅游", "政务服务", "其他",
]
STAFF = [
    ("admin", "系统管理员", [Role.ADMIN], None),
    ("operator", "王受理", [Role.OPERATOR], None),
    ("supervisor", "李督办", [Role.SUPERVISOR], None),
    ("moderator", "赵审核", [Role.MODERATOR], None),
    ("zhujian", "陈承办", [Role.HANDLER], "市住房和城乡建设委员会"),
    ("jiaotong", "刘承办", [Role.HANDLER], "市交通运输局"),
]
# Extra fields Open311 clients are asked for (``services/<code>.json``), per category.
SERVICE_ATTRIBUTES = {
    "城市管理": [
        ("facility", Datatype.SINGLEVALUELIST, True, "损坏的设施",
         [("streetlight", "路灯"), ("manhole", "井盖"), ("bin", "垃圾桶"), ("other", "其他")]),
        ("count", Datatype.NUMBER, False, "损坏数量（个）", []),
    ],
    "交通出行": [
        ("spot", Datatype.SINGLEVALUELIST, False, "发生位置",
         [("crossing", "路口"), ("road", "路段"), ("bus_stop", "公交站"), ("metro", "地铁站")]),
        ("period", Datatype.MULTIVALUELIST, False, "发生时段",
         [("morning", "早高峰"), ("evening", "晚高峰"), ("night", "夜间"), ("all_day", "全天")]),
    ],
}
SAMPLE_LETTERS = [
    (Kind.COMPLAINT, "交通出行", "人民路与解放路交叉口早高峰拥堵严重",
     "每天早上七点半到八点半，人民路与解放路交叉口车辆排队很长，左转信号灯时间太短，"
     "很多车辆要等三四个信号周期才能通过。希望交管部门调整信号配时。", "人民路与解放路交叉口"),
    (Kind.REQUEST, "城市管理", "小区门口路灯损坏多日无人维修",
     "幸福里小区东门外的三盏路灯已经坏了两个多星期，晚上非常黑，老人和孩子出行不安全，"
     "请有关部门尽快维修。", "幸福里小区东门"),
    (Kind.CONSULTATION, "社会保障", "灵活就业人员如何缴纳医疗保险",
     "我是自由职业者，想咨询灵活就业人员参加职工医疗保险需要准备哪些材料，在哪里办理，"
     "每月缴费标准是多少？", None),
]


DEMO_REPLIES = [
    {"external_id": "demo-1", "title": "人民路燃气管道有异味", "kind": "complaint",
     "channel": "hotline", "letter": "人民路与建设路交叉口附近闻到明显燃气味，担心管道泄漏。",
     "reply": "市燃气集团接报后 30 分钟内到场，查明为阀门老化渗漏，已更换阀门并检测合格。",
     "department": "市住房和城乡建设委员会", "category": "城乡建设",
     "submitted_at": "2026-03-02T09:10:00+08:00", "replied_at": "2026-03-04T15:00:00+08:00",
     "satisfaction": "satisfied"},
    {"external_id": "demo-2", "title": "建议在地铁站口施划共享单车停放区", "kind": "suggestion",
     "channel": "suggestion", "letter": "地铁站出口共享单车乱停放，影响通行，建议施划停放区并加强调度。",
     "reply": "您的建议已采纳。市交通运输局已在全市 42 个地铁站口施划停放区，并要求运营企业高峰时段加强调度。",
     "department": "市交通运输局", "category": "交通出行", "adoption": "adopted",
     "submitted_at": "2026-04-10T10:00:00+08:00", "replied_at": "2026-04-28T10:00:00+08:00"},
    {"external_id": "demo-3", "title": "解放路夜间路灯不亮", "kind": "request", "channel": "mailbox",
     "letter": "解放路中段路灯连续多日不亮，夜间行人和非机动车出行不安全。",
     "reply": "市城市管理局已完成解放路照明线路检修，路灯恢复正常，并将该路段纳入每周巡查。",
     "department": "市城市管理局", "category": "城市管理",
     "submitted_at": "2026-05-06T20:00:00+08:00", "replied_at": "2026-05-09T11:00:00+08:00"},
]


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Department))


def seed_demo(session: Session) -> Iterator[str]:
    """Add the demonstration city; yield lines to print (including staff passwords)."""
    departments = {name: Department(name=name) for name in DEPARTMENTS}
    session.add_all(departments.values())
    categories = {
        name: Category(name=name, sort_order=i) for i, name in enumerate(CATEGORIES)
    }
    session.add_all(categories.values())
    session.add_all(
        ServiceAttribute(category=categories[category], code=code, datatype=datatype,
                         required=required, description=description, sort_order=order,
                         options=[{"key": k, "name": n} for k, n in options])
        for category, fields in SERVICE_ATTRIBUTES.items()
        for order, (code, datatype, required, description, options) in enumerate(fields, 1))
    session.flush()
    yield f"已添加 {len(departments)} 个承办单位、{len(categories)} 个问题类别" \
          f"（其中 {len(SERVICE_ATTRIBUTES)} 个类别有开放接口补充属性）。"

    for username, display, roles, dept in STAFF:
        password = secrets.token_urlsafe(12)
        create_staff(session, username=username, roles=roles, password=password,
                     display_name=display, department=departments[dept] if dept else None,
                     must_change_password=False)  # the demonstration works in one step
        yield f"工作人员账号 {username:<10} 密码 {password}  （{'、'.join(r.label for r in roles)}）"

    session.add_all([
        CannedReply(title="已转交并将跟进", body="您好！您反映的问题已收悉，经核查，……。我们将持续跟进，"
                    "如有疑问请拨打 12345 热线。感谢您对我市工作的关心和支持！"),
        CannedReply(category=categories["交通出行"], title="信号配时调整",
                    body="您好！经市交通运输局会同交警部门现场调查，……路口早高峰信号配时已于……调整，"
                    "左转绿灯时长延长至……秒。感谢您的建议！"),
        CannedReply(category=categories["社会保障"], title="政策咨询答复",
                    body="您好！根据《……办法》规定，……。办理地点：市民服务中心……窗口；"
                    "咨询电话：12345。"),
    ])
    yield "已添加 3 条常用答复模板。"

    today = local_today()
    session.add(Campaign(
        title=f"{today.year}年城市更新行动“金点子”征集",
        description="围绕老旧小区改造、口袋公园建设、背街小巷整治和停车难等问题，"
                    "诚邀广大市民建言献策。优秀建议将被相关部门采纳并在回音壁公开。",
        department=departments["市住房和城乡建设委员会"],
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=50),
        questions="您所在的小区最需要改造的是什么？\n口袋公园建在哪里、建成什么样？\n"
                  "停车难有什么好办法？",
    ))
    yield "已添加 1 个正在进行的专项征集。"

    report = import_lines(session, (json.dumps(r, ensure_ascii=False) for r in DEMO_REPLIES))
    yield f"回音壁示例答复 {report.imported} 条。"

    for i, (kind, category, title, content, location) in enumerate(SAMPLE_LETTERS):
        case = submit_case(session, Submission(
            channel=Channel.MAILBOX, kind=kind, title=title, content=content,
            location=location, category_id=categories[category].id, consent_publish=True,
            contact=ContactData(phone=f"1390000{1000 + i:04d}", name="张三", salutation="先生"),
        ), Actor.citizen())
        assert case.contact is not None
        yield f"示例来信 {case.tracking_code}（电话后四位 {case.contact.phone_last4}）"
