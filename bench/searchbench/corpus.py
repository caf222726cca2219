"""The corpus: N synthetic letters and replies of a city's citizens and departments.

Deterministic for a seed (``make_corpus``): letters of about 330 characters and replies
of about 620 on 24 civic topics, in ``Publication``-shaped objects (``BenchPub``). The
place, department and topic vocabulary is also what ``queries`` asks about.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal.cases.workflow import Adoption, Channel, Kind, Satisfaction

UTC = dt.UTC
CITY = "示范市"

# --- the city: places, departments, categories ---------------------------------------------

DISTRICTS = ["东城区", "西湖区", "滨江区", "高新区", "南湖区", "北山区", "经开区", "临江县"]
STREETS = ["朝阳街道", "长青街道", "望江街道", "文昌街道", "新华街道", "白沙街道", "清河街道",
           "红星街道", "金桥街道", "凤凰街道", "龙泉街道", "桃源街道", "城南街道", "北湖街道"]
COMMUNITIES = ["幸福社区", "和平社区", "光明社区", "东风社区", "春晖社区", "锦华社区",
               "丽水社区", "北苑社区", "康乐社区", "南门社区", "育才社区", "滨湖社区",
               "向阳社区", "双塔社区", "铁西社区", "花园社区"]
# The first four are in portal/civic_dict.txt; the others are not (jieba may
# split them, as it would split a real city's roads that nobody added to the dictionary).
ROADS = ["人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "黄河路", "文化路",
         "新华路", "胜利路", "朝阳路", "学府路", "滨江大道", "环城北路", "南湖大道",
         "工业大道", "金桥路", "光明街", "东风路", "青年路", "迎宾大道", "太平街", "府前街",
         "鼓楼大街", "凤凰路", "科技大道", "创新路", "望江路", "清河路", "北京路", "延安路",
         "体育场路"]
COMPOUNDS = ["幸福里", "阳光花园", "锦绣家园", "翠湖小区", "金色港湾", "御景园", "和谐家园",
             "紫荆花园", "名都花园", "春江花月", "丽景湾", "桂花园", "书香门第", "东方明珠小区",
             "铁路新村", "纺织厂宿舍", "水利局家属院", "教师新村", "星河湾", "康桥水郡",
             "红星小区", "新华里", "化工厂宿舍", "滨湖一号", "玉兰苑", "龙湖小区", "安居苑",
             "翰林府", "绿洲家园", "望江苑"]
HOSPITALS = ["市第一人民医院", "市中医院", "市妇幼保健院", "市第二人民医院", "市儿童医院"]
SCHOOLS = ["实验小学", "育才小学", "第一中学", "第三中学", "外国语学校", "师范附属小学",
           "新华小学", "光明中学"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
CHANNEL_WORDS = {Channel.MAILBOX: "市长信箱", Channel.SUGGESTION: "人民建议征集平台",
                 Channel.HOTLINE: "12345政务服务便民热线", Channel.COMMUNITY: "服务进社区活动",
                 Channel.MEETING: "市民座谈会", Channel.OPEN311: "“城市管家”小程序"}

# One topic: the category and departments that answer it, and the sentences of
# letters and replies about it ({slots} are filled per document).
TOPICS: list[dict[str, Any]] = [
    {
        "key": "燃气", "category": "水电气暖", "depts": ["市城市管理局", "市住建委"],
        "words": ["燃气", "煤气", "天然气", "燃气管道", "燃气表", "液化气", "燃气泄漏"],
        "aspects": ["维修", "收费", "安全隐患", "改造", "价格"],
        "titles": ["{compound}燃气管道老化存在安全隐患", "关于{road}沿线天然气管道改造的建议",
                   "{compound}楼道煤气味大，请求排查", "燃气费上涨过快的咨询",
                   "老旧小区燃气表更换收费问题", "{compound}至今未通天然气"],
        "problems": [
            "我家住在{district}{compound}{bldg}号楼，小区建成已经{years}年，楼道里的燃气管道锈蚀严重，最近经常能闻到煤气味。",
            "上周{day}日晚上，{unit}单元有住户家中燃气泄漏，幸好邻居发现及时，没有酿成事故。",
            "燃气公司上门安检时说要更换燃气表和连接软管，每户收费{n}元，不知道是否合理。",
            "小区至今没有通天然气，冬天做饭还要用液化气罐，既不方便也不安全。",
            "燃气报修电话经常打不通，维修人员{n2}天都没有上门。",
            "听说今年燃气价格又要调整，阶梯气价的标准是怎么规定的？",
            "楼下饭店把液化气钢瓶堆在后门通道里，旁边就是居民楼，大家都很担心。",
        ],
        "requests": ["恳请燃气主管部门尽快组织排查，消除安全隐患。",
                     "希望能将我们小区纳入老旧小区燃气管网改造计划。",
                     "请相关部门公开燃气表更换的收费标准。"],
        "findings": [
            "经调查核实，{compound}燃气管网于{year0}年建成，部分户内立管存在锈蚀现象。",
            "我局会同市燃气集团{district}分公司工作人员于{month}月{day}日到现场进行了检测，未发现燃气泄漏。",
            "经核查，该小区燃气表已超过规定使用年限，属于到期轮换范围。",
        ],
        "actions": [
            "市燃气集团已安排专业人员对{bldg}号楼楼道内的燃气立管进行了除锈防腐处理，并更换了{n2}处老化阀门。",
            "该小区已列入{year1}年老旧小区燃气管道更新改造计划，预计{month}月底前完成施工。",
            "按照规定，居民燃气表到期更换由燃气企业承担费用，不得向用户收取，多收的费用已全部退还。",
            "城管执法人员已责令该饭店将液化气钢瓶移至专用储存间，并对其负责人进行了约谈。",
        ],
        "policy": [
            "根据《城镇燃气管理条例》，燃气经营企业应当定期对居民用户进行入户安全检查，发现隐患应当及时告知用户并协助整改。",
            "我市居民生活用天然气实行阶梯价格，第一档年用气量为{n}立方米以内，具体标准可在市发展改革委网站查询。",
        ],
    },
    {
        "key": "路灯", "category": "市容环境", "depts": ["市城市管理局"],
        "words": ["路灯", "照明", "街灯", "路灯不亮", "灯杆"],
        "aspects": ["维修", "不亮", "增设", "安装"],
        "titles": ["{road}路灯不亮已有一个多月", "{road}与{road2}交叉口照明不足",
                   "建议在{compound}门口增设路灯", "{road}街灯忽明忽暗", "{road}路灯杆倾斜"],
        "problems": [
            "{road}从{road2}路口往东大约{meters}米的一段路灯已经连续{n2}天不亮了，晚上路面漆黑一片。",
            "这段路上下班的行人和骑电动自行车的人很多，晚上看不清路面，已经有老人摔倒。",
            "路灯杆上的灯罩破损，电线裸露在外面，下雨天很危险。",
            "附近新建小区入住率已经很高，但道路照明设施一直没有配套。",
            "{road}的路灯晚上忽明忽暗，有几盏白天也亮着，浪费电。",
        ],
        "requests": ["请城管部门尽快派人维修路灯。", "建议增设照明设施，保障市民夜间出行安全。"],
        "findings": [
            "经现场核查，{road}部分路段路灯因地下电缆被施工破坏导致停电。",
            "该路段照明设施由{district}城市管理部门负责维护，共有路灯{n}盏。",
        ],
        "actions": [
            "维修人员已于{month}月{day}日更换电缆{meters}米，目前该路段路灯已全部恢复正常照明。",
            "我局已将{road}路灯节能改造纳入计划，将更换为LED灯具并加装单灯控制器。",
            "对破损灯罩和裸露线路进行了更换和包扎处理，消除了触电隐患。",
            "{compound}门口道路属小区内部道路，我们已协调物业公司自行安装照明设施。",
        ],
        "policy": ["市民发现路灯故障，可拨打12345政务服务便民热线或通过“城市管家”小程序报修，我们将在24小时内修复。"],
    },
    {
        "key": "噪音", "category": "生态环境", "depts": ["市生态环境局", "市城市管理局"],
        "words": ["噪音", "噪声", "扰民", "噪音扰民", "夜间施工", "广场舞"],
        "aspects": ["夜间施工", "投诉", "整治", "休息"],
        "titles": ["{road}工地夜间施工噪音扰民", "{compound}楼下广场舞噪声太大",
                   "{road}酒吧噪音影响休息", "沿街商铺高音喇叭噪声扰民"],
        "problems": [
            "{road}上的{project}工地每天晚上{hour}点以后还在施工，渣土车进进出出，噪音非常大。",
            "家里有老人和正在备考的孩子，严重影响休息和学习。",
            "小区楼下的广场舞音响声音开得很大，从早上六点一直持续到晚上九点。",
            "沿街商铺用高音喇叭循环播放促销广告，从早到晚不停。",
            "{road}新开的酒吧每天营业到凌晨两点，音乐声和客人喧哗声很大。",
        ],
        "requests": ["请环保部门依法查处夜间施工噪音扰民问题。", "希望有关部门对噪声扰民进行整治，还居民一个安静的环境。"],
        "findings": [
            "经查，该工地办理了夜间施工许可，许可时间为{month}月{day}日至{month2}月{day2}日，用于混凝土连续浇筑作业。",
            "执法人员夜间对工地场界噪声进行了监测，结果为{db}分贝，超过《建筑施工场界环境噪声排放标准》限值。",
        ],
        "actions": [
            "我局已对施工单位下达责令改正通知书，并依法立案查处。",
            "{street}已协调广场舞队伍调整活动时间并降低音量，并在广场安装了噪声显示屏。",
            "城管执法队员对使用高音喇叭招揽顾客的商户进行了劝导，并暂扣了相关设备。",
            "公安机关已对该酒吧经营者进行了警告，要求其加装隔音设施，晚上十点后降低音量。",
        ],
        "policy": ["根据《中华人民共和国噪声污染防治法》，在噪声敏感建筑物集中区域，禁止夜间进行产生噪声的建筑施工作业，因生产工艺要求必须连续施工的除外。"],
    },
    {
        "key": "停车", "category": "交通出行", "depts": ["市公安局交通警察支队", "市城市管理局", "市交通运输局"],
        "words": ["停车", "停车难", "停车位", "违章停车", "停车场", "泊车"],
        "aspects": ["收费", "车位", "占道", "消防通道"],
        "titles": ["{compound}周边停车难问题", "{road}违章停车占用人行道", "建议在{road}增设停车位",
                   "{hospital}停车收费不合理", "{compound}消防通道被私家车堵塞"],
        "problems": [
            "小区是{year0}年建成的老旧小区，只有{n}个车位，但是现在有车的住户超过{n3}户。",
            "每天晚上车辆停满了消防通道，救护车和消防车根本进不来。",
            "{road}两侧人行道被机动车占满，行人只能走机动车道，非常危险。",
            "{hospital}停车场收费每小时{n2}元，看病的人排队停车要一个多小时。",
            "周边的停车场晚上都空着，却不对附近居民开放。",
        ],
        "requests": ["建议在附近空地建设立体停车场，缓解停车难。", "请交警部门加强对{road}违法停车的巡查和处罚。"],
        "findings": [
            "经调查，{compound}周边{meters}米范围内现有公共停车泊位{n}个，夜间停车需求缺口较大。",
            "{hospital}停车场由第三方公司经营，收费标准已在价格主管部门备案。",
        ],
        "actions": [
            "交警{district}大队已将{road}列入重点整治路段，近一个月共查处违法停车{n}起。",
            "我局已在{road}施划夜间限时停车泊位{n2}个，每天19时至次日7时免费停放。",
            "{district}正在推进共享停车，已协调周边{n2}家机关企事业单位停车场夜间向居民开放。",
            "已督促{compound}物业公司在消防通道施划禁停标线并安装监控，对占用行为及时劝离。",
        ],
        "policy": ["根据《{city}机动车停车管理条例》，占用消防通道停车的，由公安机关消防救援机构依法处理。"],
    },
    {
        "key": "加装电梯", "category": "城乡建设", "depts": ["市住建委"],
        "words": ["加装电梯", "电梯", "老旧小区", "升降梯", "补贴"],
        "aspects": ["补贴", "审批", "低层住户", "费用分摊"],
        "titles": ["{compound}老旧小区加装电梯申请进展", "加装电梯补贴政策咨询",
                   "低层住户反对加装电梯怎么办", "建议简化既有住宅加装电梯审批", "{compound}电梯频繁故障"],
        "problems": [
            "我们{compound}{bldg}号楼一共{floors}层，住的大多是七八十岁的老人，上下楼非常困难。",
            "单元里{n2}户已经签字同意加装电梯，但一楼和二楼的住户担心采光和噪音，坚决反对。",
            "加装电梯需要跑住建、规划、市场监管好几个部门，材料准备了半年还没批下来。",
            "想了解一下我市既有住宅加装电梯的财政补贴标准是多少，怎么申请？",
            "小区的电梯运行了{years}年，最近一个月困人{n2}次，物业说没钱大修。",
        ],
        "requests": ["希望政府出面协调，推动加装电梯早日落地。", "建议出台更简便的审批办法，实行一站式办理。"],
        "findings": [
            "经了解，{compound}{bldg}号楼{unit}单元加装电梯项目已于{month}月向{street}提交申请材料。",
            "该电梯使用年限较长，经特种设备检验机构检测，曳引机和控制柜存在老化问题。",
        ],
        "actions": [
            "我委已联合{street}和{community}召开协调会，就低层住户的采光和补偿问题进行了沟通。",
            "目前我市既有住宅加装电梯实行联合审查，申请人只需向街道提交一次材料。",
            "按照现行政策，每台电梯给予财政补贴{n}万元，验收合格后拨付。",
            "已督促物业公司使用专项维修资金对电梯进行大修，并加强日常维护保养。",
        ],
        "policy": ["根据《{city}既有住宅增设电梯实施办法》，加装电梯应当经本单元专有部分占建筑物总面积三分之二以上的业主且占总人数三分之二以上的业主同意。"],
    },
    {
        "key": "垃圾", "category": "市容环境", "depts": ["市城市管理局"],
        "words": ["垃圾", "垃圾分类", "垃圾清运", "厨余垃圾", "垃圾桶", "建筑垃圾"],
        "aspects": ["清运", "异味", "分类", "乱倒"],
        "titles": ["{compound}垃圾清运不及时", "{road}垃圾中转站异味扰民", "垃圾分类投放点设置不合理",
                   "{road}路边建筑垃圾乱倒"],
        "problems": [
            "小区的垃圾桶已经满了{n2}天都没有人清运，夏天气温高，异味很大，蚊蝇滋生。",
            "垃圾分类投放点设在{bldg}号楼窗户底下，每天早晚都有臭味，住户意见很大。",
            "{road}路边有人半夜偷倒建筑垃圾，堆了有半人高，占用了一半的车道。",
            "{road}垃圾中转站离居民楼只有{meters}米，压缩车作业时噪音和臭味都很严重。",
        ],
        "requests": ["请环卫部门增加清运频次，及时清理垃圾。", "建议将垃圾投放点迁移到远离住宅的位置。"],
        "findings": ["经现场查看，{compound}生活垃圾由{district}环卫所负责清运，每天清运一次。",
                     "经查，{road}路边建筑垃圾系附近装修户委托无资质运输车辆偷倒。"],
        "actions": [
            "已要求环卫作业单位将清运频次调整为每天两次，并对垃圾桶进行清洗消毒。",
            "经与业委会和物业协商，垃圾分类投放点已迁移至小区东门空地，并加装了除臭设备。",
            "城管执法部门已清运建筑垃圾{n}吨，并对违法倾倒行为立案处罚。",
            "中转站已完成除臭系统升级改造，作业时间调整为早上七点以后。",
        ],
        "policy": ["根据《{city}生活垃圾分类管理条例》，居民应当按照厨余垃圾、可回收物、有害垃圾和其他垃圾分类投放。"],
    },
    {
        "key": "井盖", "category": "城乡建设", "depts": ["市城市管理局", "市交通运输局"],
        "words": ["井盖", "窨井盖", "路面塌陷", "坑洼", "道路破损"],
        "aspects": ["破损", "缺失", "维修", "安全"],
        "titles": ["{road}井盖破损存在安全隐患", "{road}路面坑洼不平", "{road}与{road2}路口窨井盖缺失",
                   "{road}人行道地砖松动"],
        "problems": [
            "{road}靠近{school}门口的井盖已经破了一个大洞，只用一个锥桶挡着。",
            "{road}路面坑坑洼洼，下雨天积水看不见坑，已经有好几个骑电动车的人摔倒了。",
            "路口有一个窨井盖不见了，晚上经过很危险，孩子上学都要经过这里。",
            "人行道地砖大面积松动，一踩就溅一身泥水。",
        ],
        "requests": ["请尽快更换井盖，确保行人安全。", "希望对{road}进行整体修缮。"],
        "findings": ["经查，该井盖属于通信管线井，产权单位为某通信运营商。",
                     "{road}于{year0}年建成通车，路面已超过设计使用年限。"],
        "actions": [
            "我局已于接到反映当天通知产权单位更换了防坠落井盖，并安装了防坠网。",
            "{road}路面已纳入{year1}年市政道路大中修计划，将实施沥青罩面。",
            "维修人员对{road}坑洼路面进行了临时修补，共修补{n}平方米。",
            "对松动地砖进行了重新铺设，并对人行道基层进行了加固。",
        ],
        "policy": ["市民发现道路设施损坏，可通过12345热线反映，市政设施维修实行“接诉即办”，一般问题24小时内处置。"],
    },
    {
        "key": "违建", "category": "规划国土", "depts": ["市城市管理局", "市自然资源和规划局"],
        "words": ["违建", "违章建筑", "违法建筑", "私搭乱建", "楼顶加盖"],
        "aspects": ["拆除", "举报", "查处"],
        "titles": ["{compound}顶楼住户违法加盖", "举报{road}商户私搭乱建", "{compound}业主占用绿地建房",
                   "{road}违章建筑多年未拆除"],
        "problems": [
            "{compound}{bldg}号楼顶楼住户在楼顶加盖了一间彩钢房，已经导致楼下漏水。",
            "{road}沿街几家商户在门前搭建雨棚和板房，占用了人行道。",
            "一楼业主把小区公共绿地圈起来建了一个小院子，还砌了围墙。",
            "这栋违章建筑我们已经举报了{n2}次，每次都说要处理，但一直没有拆除。",
        ],
        "requests": ["请执法部门依法拆除违法建设。", "希望给我们一个明确的处理时限。"],
        "findings": ["经现场勘查，该构筑物未取得建设工程规划许可证，面积约{n2}平方米，属违法建设。"],
        "actions": [
            "{district}综合行政执法局已下达限期拆除决定书，当事人已于{month}月{day}日自行拆除。",
            "执法人员对占用人行道的雨棚和板房进行了依法拆除，共拆除违法建设{n}平方米。",
            "{street}已组织力量恢复了被圈占的公共绿地。",
        ],
        "policy": ["根据《中华人民共和国城乡规划法》第六十四条，未取得建设工程规划许可证进行建设的，由县级以上地方人民政府城乡规划主管部门责令停止建设。"],
    },
    {
        "key": "物业", "category": "住房保障", "depts": ["市住建委"],
        "words": ["物业", "物业公司", "物业费", "业主委员会", "维修资金", "物业管理"],
        "aspects": ["服务差", "收费", "维修"],
        "titles": ["{compound}物业公司服务差", "{compound}物业费上涨不合理", "{compound}业委会换届受阻",
                   "维修资金使用难"],
        "problems": [
            "{compound}物业公司收费不干活，小区里垃圾没人扫，楼道灯坏了半年没人修。",
            "物业公司今年突然把物业费从每平方米{price}元涨到{price2}元，没有召开业主大会。",
            "小区业主委员会任期已满{n2}个月，物业公司一直阻挠换届选举。",
            "楼顶防水层坏了，雨天漏水，申请使用住房专项维修资金手续太复杂。",
        ],
        "requests": ["请主管部门监督物业公司履行合同义务。", "希望住建部门指导我们依法成立新的业主委员会。"],
        "findings": ["经核查，{compound}物业服务合同约定的服务标准为二级，物业公司在保洁和设施维护方面存在不到位的情况。"],
        "actions": [
            "我委已约谈物业公司负责人，责令其在{n2}日内完成整改，并将整改情况纳入信用考核。",
            "物业费调整未经业主大会表决，物业公司已承诺暂缓执行新的收费标准。",
            "{street}已成立业委会换届工作小组，指导{compound}依法开展换届选举。",
            "维修资金应急使用已开通绿色通道，楼顶防水维修已于{month}月{day}日完工。",
        ],
        "policy": ["根据《物业管理条例》，物业服务收费应当遵循合理、公开以及费用与服务水平相适应的原则。"],
    },
    {
        "key": "学位", "category": "教育", "depts": ["市教育局"],
        "words": ["学位", "入学", "学区", "幼儿园", "义务教育", "招生"],
        "aspects": ["政策", "划片", "随迁子女"],
        "titles": ["{compound}学区划分咨询", "孩子入学学位紧张问题", "建议在{district}新建一所小学",
                   "随迁子女入学政策咨询", "{school}放学接送拥堵"],
        "problems": [
            "我们{compound}是新建小区，入住了{n3}多户，但周边只有一所{school}，学位非常紧张。",
            "孩子今年该上小学了，我们家在{compound}买的房，不知道对应哪所学校。",
            "我们是外地来{city}务工的人员，孩子想在{district}上学，需要准备哪些材料？",
            "普惠性幼儿园名额太少，私立幼儿园每月要{n}元，负担太重。",
            "{school}放学时家长车辆把{road}堵得水泄不通。",
        ],
        "requests": ["希望教育部门统筹规划，增加学位供给。", "请公布今年的招生划片范围。"],
        "findings": ["经了解，{compound}所在区域今年适龄儿童约{n}人，现有学位可以满足需求。",
                     "{district}今年新增公办学位{n}个。"],
        "actions": [
            "{district}新建的{school}分校预计{year1}年秋季开学，可提供学位{n3}个。",
            "今年的义务教育招生划片范围已于{month}月在市教育局网站公布。",
            "随迁子女可凭居住证和务工证明在居住地申请入学，由教育部门统筹安排学位。",
            "已协调交警在{school}门口设置临时停车带和护学岗，缓解接送拥堵。",
        ],
        "policy": ["按照义务教育“免试就近入学”的原则，公办小学按划定的片区招生。"],
    },
    {
        "key": "医保", "category": "医疗保障", "depts": ["市医疗保障局"],
        "words": ["医保", "医疗保险", "异地就医", "报销", "门诊慢特病", "医保卡"],
        "aspects": ["报销", "结算", "缴费"],
        "titles": ["异地就医医保报销咨询", "门诊慢特病认定问题", "城乡居民医保缴费咨询", "医保卡丢失补办"],
        "problems": [
            "我母亲在外省住院，花了{n}元，回来报销时说没有备案，不能直接结算。",
            "我患有高血压和糖尿病，想申请门诊慢特病待遇，不知道去哪里认定。",
            "城乡居民医疗保险今年的缴费标准是多少？错过了缴费期还能补缴吗？",
            "在{hospital}看病时医保卡刷不了，说系统升级，只能自费。",
        ],
        "requests": ["希望简化异地就医备案手续。", "请明确医保报销的具体流程。"],
        "findings": ["经核实，您母亲的住院费用发生在备案前，属于未备案异地就医。"],
        "actions": [
            "未备案的异地就医费用可以回参保地手工报销，报销比例降低{n2}个百分点。",
            "门诊慢特病认定可在定点医院直接办理，认定通过后次月起享受待遇。",
            "目前可通过国家医保服务平台手机应用办理异地就医备案，即时生效。",
            "我局已督促{hospital}排查医保结算系统故障，目前已恢复正常。",
        ],
        "policy": ["{year1}年度城乡居民基本医疗保险个人缴费标准为每人每年{n}元，集中缴费期为每年9月至12月。"],
    },
    {
        "key": "社保", "category": "劳动和社会保障", "depts": ["市人力资源和社会保障局"],
        "words": ["社保", "社会保险", "拖欠工资", "工资", "农民工", "退休金", "劳动仲裁"],
        "aspects": ["拖欠", "缴费", "仲裁"],
        "titles": ["{project}项目拖欠农民工工资", "公司不给缴纳社会保险", "退休金待遇核定咨询", "劳动仲裁立案难"],
        "problems": [
            "我们一共{n2}个工人在{project}工地干了{n2}个月，包工头拖欠工资{n}万元一直不给。",
            "我在公司工作了{years}个月，公司一直没有给我缴纳社会保险。",
            "我今年{month}月退休，退休金核定下来比预期少很多，想了解计算方法。",
            "去劳动仲裁委申请仲裁，工作人员说材料不全，来回跑了好几趟。",
        ],
        "requests": ["请劳动监察部门帮我们讨回血汗钱。", "希望依法督促公司补缴社保。"],
        "findings": ["经劳动保障监察大队调查，该项目总承包单位未按规定足额支付农民工工资。"],
        "actions": [
            "在我局督促下，总承包单位已于{month}月{day}日通过农民工工资专用账户支付拖欠工资{n}万元。",
            "我局已向该公司下达劳动保障监察限期改正指令书，责令其为职工补缴社会保险费。",
            "基本养老金由基础养老金和个人账户养老金组成，工作人员已与您电话沟通了具体计算方法。",
            "劳动人事争议仲裁院已推行一次性告知制度，窗口工作人员将书面告知需要补充的材料。",
        ],
        "policy": ["根据《保障农民工工资支付条例》，施工总承包单位应当按照有关规定开设农民工工资专用账户。"],
    },
    {
        "key": "公积金", "category": "住房保障", "depts": ["市住房公积金管理中心"],
        "words": ["公积金", "住房公积金", "公积金贷款", "提取", "租房提取"],
        "aspects": ["提取", "贷款", "额度"],
        "titles": ["住房公积金提取咨询", "公积金贷款额度偏低", "租房提取公积金手续繁琐", "公积金异地转移"],
        "problems": [
            "我在{district}租房住，想提取住房公积金交房租，需要提供哪些材料？",
            "我们夫妻双方都缴存了公积金，贷款额度最高只能贷{n}万元，和房价相比太低了。",
            "从外地调到{city}工作，原单位的公积金怎么转移过来？",
            "公积金中心窗口排队要等{n2}个小时，网上办理总是提示失败。",
        ],
        "requests": ["建议提高公积金贷款额度。", "希望优化线上办理流程。"],
        "findings": ["经查询，您的住房公积金账户状态正常，连续缴存已满{n2}个月。"],
        "actions": [
            "无房职工租房提取住房公积金已实现全程网办，无需提供租赁合同。",
            "我中心已将双职工家庭公积金贷款最高额度调整为{n}万元。",
            "异地转移接续可通过全国住房公积金小程序申请，无需往返两地。",
            "网上业务大厅故障已修复，并增加了窗口服务人员。",
        ],
        "policy": ["根据《住房公积金管理条例》，职工租赁住房支付房租超出家庭工资收入规定比例的，可以提取职工住房公积金账户内的存储余额。"],
    },
    {
        "key": "供暖", "category": "水电气暖", "depts": ["市城市管理局", "市住建委"],
        "words": ["供暖", "暖气", "采暖", "暖气不热", "供热", "采暖费"],
        "aspects": ["温度", "收费", "延长"],
        "titles": ["{compound}暖气不热", "建议延长供暖期", "采暖费收费标准咨询", "{compound}供暖管道漏水"],
        "problems": [
            "{compound}{bldg}号楼暖气一直不热，室内温度只有{temp}度，家里老人孩子都感冒了。",
            "今年冬天特别冷，建议供暖期提前开始，延长到3月底。",
            "供热公司按建筑面积收取采暖费，每平方米{price}元，但室温从来没有达标过。",
            "地下室供暖管道漏水，热水流了一地，供热公司说是小区管网不归他们管。",
        ],
        "requests": ["请督促供热企业保证室温达标。", "希望退还室温不达标期间的采暖费。"],
        "findings": ["经供热监管人员入户检测，您家卧室温度为{temp}度，低于18度的标准。"],
        "actions": [
            "供热公司已对{bldg}号楼进行了管网冲洗和水力平衡调节，复测室温已达到20度。",
            "对室温不达标的用户，供热企业将按规定退还部分采暖费。",
            "漏水管道已于{month}月{day}日抢修完毕，并对小区二次管网进行了全面排查。",
        ],
        "policy": ["我市供暖期为每年11月15日至次年3月15日，遇极端天气将视情况提前或延长供暖。"],
    },
    {
        "key": "自来水", "category": "水电气暖", "depts": ["市水务局"],
        "words": ["自来水", "供水", "停水", "水压", "水质", "内涝", "积水"],
        "aspects": ["停水", "水压低", "发黄", "积水"],
        "titles": ["{compound}频繁停水", "{compound}高层水压低", "自来水发黄有异味", "{road}下雨就积水"],
        "problems": [
            "{compound}这个月已经停水{n2}次，每次都没有提前通知。",
            "我住{floors}楼，白天水压很低，热水器都打不着火。",
            "早上打开水龙头，流出来的自来水是黄色的，还有一股铁锈味。",
            "{road}与{road2}交叉口一下雨就积水，最深的时候能淹到膝盖，车辆经常熄火。",
        ],
        "requests": ["请供水部门查明原因，保障正常供水。", "希望对{road}排水管网进行改造，解决内涝问题。"],
        "findings": ["经查，停水系{road}供水主管道施工改造所致，施工单位未按规定提前发布停水通知。",
                     "经检测，末梢水浊度和铁含量超标，原因是小区内部镀锌管道老化锈蚀。"],
        "actions": [
            "市供水集团已对施工单位提出批评，今后计划停水将提前24小时通知。",
            "已为{compound}高层住户加装二次供水加压设备，目前水压已恢复正常。",
            "已对小区供水管网进行冲洗，并将管道更新纳入老旧小区改造计划。",
            "{road}雨水管网改造工程已开工，新建雨水管道{meters}米，汛期前完工。",
        ],
        "policy": ["按照《城市供水条例》，因工程施工确需停止供水的，应当经城市供水行政主管部门批准并提前24小时通知用水单位和个人。"],
    },
    {
        "key": "公交", "category": "交通出行", "depts": ["市交通运输局"],
        "words": ["公交", "公交车", "公交线路", "地铁", "轨道交通", "末班车", "公交站"],
        "aspects": ["线路", "班次", "站点"],
        "titles": ["建议开通{compound}到{road}的公交线路", "{line}路公交车班次太少", "地铁{line}号线站点出口设置不合理",
                   "建议延长公交末班车时间", "{road}公交站台没有遮雨棚"],
        "problems": [
            "{compound}到{road}之间没有直达公交，上班要换乘两次，路上要花一个半小时。",
            "{line}路公交车高峰期要等{n2}分钟才来一趟，车上挤得满满的。",
            "地铁{line}号线{road}站只开了一个出口，从{compound}过去要绕{meters}米。",
            "最后一班公交车晚上九点就收车了，下夜班的人只能打车。",
            "{road}的公交站台没有遮雨棚，下雨天等车的老人只能淋雨。",
        ],
        "requests": ["建议优化公交线路，增加高峰期班次。", "希望地铁站增开出入口。"],
        "findings": ["经客流调查，{line}路公交高峰时段断面满载率超过{db}%。"],
        "actions": [
            "市公交集团已于{month}月{day}日起将{line}路高峰发车间隔缩短至{n2}分钟。",
            "已新开通社区巴士{line}路，连接{compound}与{road}地铁站。",
            "地铁{line}号线{road}站B出口已纳入建设计划，预计{year1}年投入使用。",
            "{road}公交站台改造已列入计划，将加装遮雨棚和电子站牌。",
        ],
        "policy": ["我市将继续推进“公交优先”战略，优化公交线网与轨道交通的衔接。"],
    },
    {
        "key": "电动自行车", "category": "公共安全", "depts": ["市消防救援支队", "市交通运输局"],
        "words": ["电动自行车", "电动车", "充电桩", "飞线充电", "共享单车", "充电"],
        "aspects": ["充电", "乱停", "安全"],
        "titles": ["{compound}电动车飞线充电隐患", "建议在{compound}安装充电桩", "{road}共享单车乱停乱放",
                   "电动自行车进电梯问题"],
        "problems": [
            "小区很多人从楼上拉电线下来给电动车充电，电线横七竖八，一旦起火后果不堪设想。",
            "小区没有电动车充电桩，大家只能把电动车推进楼道或者家里充电。",
            "{road}地铁站门口共享单车堆得像小山一样，把盲道和人行道都占了。",
            "有人把电动自行车推进电梯带回家充电，物业也不管。",
        ],
        "requests": ["建议在小区建设集中充电设施。", "请运营企业及时清理乱停乱放的共享单车。"],
        "findings": ["经消防部门检查，{compound}存在电动自行车飞线充电、楼道停放等问题{n2}处。"],
        "actions": [
            "{street}已在{compound}建成电动自行车集中充电棚{n2}处，安装充电桩{n}个。",
            "已督促物业公司在电梯内安装电动车阻车系统，并清理了楼道内停放的电动车。",
            "交通运输部门已约谈共享单车运营企业，要求增加运维人员，高峰时段及时调运。",
        ],
        "policy": ["根据《{city}电动自行车管理条例》，禁止在建筑物的公共门厅、疏散通道、楼梯间停放电动自行车或者为其充电。"],
    },
    {
        "key": "信号灯", "category": "交通出行", "depts": ["市公安局交通警察支队"],
        "words": ["信号灯", "红绿灯", "拥堵", "左转", "斑马线", "交通"],
        "aspects": ["时长", "拥堵", "设置"],
        "titles": ["{road}与{road2}路口信号灯配时不合理", "{road}早晚高峰拥堵严重",
                   "建议在{school}门口设置斑马线", "{road}路口增设左转信号灯"],
        "problems": [
            "{road}与{road2}路口南北方向绿灯只有{n2}秒，行人还没走到一半就变红灯了。",
            "每天早上七点半到八点半，{road}堵得一动不动，{meters}米要走二十分钟。",
            "{school}门口没有斑马线和信号灯，孩子们上学过马路非常危险。",
            "路口没有左转信号灯，左转车辆和直行车辆经常抢行，发生过好几起事故。",
        ],
        "requests": ["请交警部门优化信号灯配时。", "建议增设人行横道和过街信号灯。"],
        "findings": ["经交警部门现场调研，该路口早高峰南北向流量较大，原配时方案已不适应交通需求。"],
        "actions": [
            "交警支队已将该路口行人过街绿灯时间延长至{n2}秒，并增设了左转专用相位。",
            "{school}门口已施划人行横道并安装了行人过街信号灯，上下学时段安排警力值守。",
            "已在{road}实施绿波协调控制，早高峰通行时间缩短约{n2}%。",
        ],
        "policy": ["市民对交通信号设置有意见和建议，可通过“交警”微信公众号或12345热线反映。"],
    },
    {
        "key": "食品安全", "category": "市场监管", "depts": ["市市场监督管理局"],
        "words": ["食品安全", "过期食品", "餐馆", "外卖", "预付卡", "价格欺诈", "消费者"],
        "aspects": ["投诉", "退款", "卫生"],
        "titles": ["{road}餐馆后厨卫生差", "超市销售过期食品", "健身房关门预付卡无法退费",
                   "{road}商户价格欺诈", "外卖餐品吃出异物"],
        "problems": [
            "在{road}一家餐馆吃饭，看到后厨地面污水横流，还有老鼠跑过。",
            "{compound}门口的超市货架上有过期{n2}天的牛奶还在卖。",
            "我在{road}的健身房办了{n}元的年卡，才去了{n2}次健身房就关门了，老板联系不上。",
            "商户标价{n2}元一斤，结账时按{n}元收费，明显是价格欺诈。",
            "点的外卖里吃出了头发和塑料片，平台客服只给了{n2}元优惠券。",
        ],
        "requests": ["请市场监管部门依法查处。", "希望帮助消费者追回预付款。"],
        "findings": ["经执法人员现场检查，该餐馆存在食品加工区域卫生不达标、从业人员未持健康证上岗等问题。"],
        "actions": [
            "我局已责令该餐馆停业整改，并依据《中华人民共和国食品安全法》处以罚款{n}元。",
            "执法人员对超市过期食品进行了下架封存，并立案调查。",
            "预付卡纠纷已移交{district}消费者权益保护委员会调解，经营者已同意分期退款。",
            "外卖平台已按“退一赔十”的规定对您进行了赔偿，涉事商家已被下线整改。",
        ],
        "policy": ["消费者合法权益受到侵害时，可拨打12315或通过全国12315平台投诉举报。"],
    },
    {
        "key": "养老", "category": "民政养老", "depts": ["市民政局"],
        "words": ["养老", "养老院", "高龄津贴", "社区食堂", "低保", "残疾人", "助餐"],
        "aspects": ["补贴", "申请", "服务"],
        "titles": ["建议在{community}开办老年食堂", "高龄津贴申领咨询", "{district}养老院床位紧张",
                   "低保申请被拒"],
        "problems": [
            "我们{community}独居老人很多，子女都在外地，吃饭是个大问题。",
            "我父亲今年{age}岁了，听说有高龄津贴，不知道怎么申请。",
            "想把失能的母亲送到公办养老院，排队排了{n2}个月还没轮到。",
            "家里只有我一个劳动力，孩子生病花了很多钱，申请低保却说收入超标。",
        ],
        "requests": ["希望政府增加社区养老服务设施。", "请民政部门重新审核我家的低保申请。"],
        "findings": ["经{street}入户调查，您家庭人均月收入为{n}元，高于我市城市低保标准。"],
        "actions": [
            "{community}长者食堂已于{month}月开业，60岁以上老人就餐每餐补贴{n2}元。",
            "80周岁以上老人可凭身份证到社区服务中心申领高龄津贴，按月发放。",
            "{district}新建的公办养老院将于{year1}年投用，新增床位{n}张。",
            "考虑到您家因病支出较大，已按规定将您家纳入低保边缘家庭给予临时救助。",
        ],
        "policy": ["根据《社会救助暂行办法》，国家对共同生活的家庭成员人均收入低于当地最低生活保障标准且符合财产状况规定的家庭，给予最低生活保障。"],
    },
    {
        "key": "公园", "category": "市容环境", "depts": ["市城市管理局", "市园林绿化局"],
        "words": ["公园", "口袋公园", "绿地", "树木", "健身器材", "绿化"],
        "aspects": ["修剪", "建设", "损坏"],
        "titles": ["建议在{road}建设口袋公园", "{compound}树木遮挡采光", "{park}健身器材损坏", "{road}绿化带杂草丛生"],
        "problems": [
            "{road}附近几个小区加起来有上万人，周边却没有一处可以散步的公园。",
            "楼前的大树已经长到{floors}楼高，遮住了低层住户的阳光，家里白天都要开灯。",
            "{park}里的健身器材坏了好几件，有一个单杠已经松动，老人孩子用着很危险。",
            "{road}中间绿化带杂草长得比人还高，还有人往里面扔垃圾。",
        ],
        "requests": ["建议利用闲置地块建设口袋公园。", "请园林部门修剪树木。"],
        "findings": ["经现场查看，{road}东侧有一处闲置地块约{n}平方米，具备建设口袋公园的条件。"],
        "actions": [
            "该地块已纳入{year1}年口袋公园建设计划，将建设健身步道和儿童游乐设施。",
            "园林养护人员已对遮挡采光的树木进行了修剪。",
            "{park}损坏的健身器材已全部更换，并在醒目位置张贴了报修电话。",
            "绿化带已完成除草和补植，并安排专人定期养护。",
        ],
        "policy": ["我市正在推进“300米见绿、500米见园”，计划每年新建口袋公园{n2}个。"],
    },
    {
        "key": "空气", "category": "生态环境", "depts": ["市生态环境局"],
        "words": ["油烟", "扬尘", "焚烧", "PM2.5", "空气质量", "异味", "污染"],
        "aspects": ["投诉", "整治", "监测"],
        "titles": ["{road}饭店油烟扰民", "{project}工地扬尘污染", "{district}工厂夜间排放异味", "建议公开PM2.5监测数据"],
        "problems": [
            "楼下{road}的烧烤店油烟直排，我家窗户都不敢开，衣服上全是油烟味。",
            "{project}工地没有洒水降尘，刮风天尘土飞扬，车上落满了灰。",
            "每到晚上{hour}点以后，{district}那边的工厂就排放刺鼻的气味，闻着头晕。",
            "冬天PM2.5指数经常超标，希望能公开附近监测站点的实时数据。",
        ],
        "requests": ["请环保部门加强监管，查处违法排污行为。", "希望督促餐饮店安装油烟净化设施。"],
        "findings": ["经执法人员夜间突击检查，该企业废气处理设施未正常运行，存在超标排放情况。"],
        "actions": [
            "我局已对该企业依法立案查处，罚款{n}万元，并责令停产整治。",
            "烧烤店已安装油烟净化器，排烟管道已引至楼顶高空排放。",
            "已督促施工单位落实围挡、覆盖、洒水等扬尘防治措施，并安装了扬尘在线监测设备。",
            "全市空气质量自动监测站点数据已在市生态环境局网站实时公开。",
        ],
        "policy": ["根据《中华人民共和国大气污染防治法》，排放油烟的餐饮服务业经营者应当安装油烟净化设施并保持正常使用。"],
    },
    {
        "key": "5G基站", "category": "通信网络", "depts": ["市工业和信息化局"],
        "words": ["5G基站", "信号", "宽带", "通信", "5G"],
        "aspects": ["信号差", "建设", "辐射"],
        "titles": ["{compound}手机信号差", "建议在{road}建设5G基站", "小区楼顶基站辐射担忧", "{compound}宽带无法安装"],
        "problems": [
            "{compound}地下车库和电梯里手机完全没有信号，遇到紧急情况都打不了电话。",
            "{road}一带是新开发区域，5G信号时有时无，网速很慢。",
            "小区楼顶装了一个通信基站，住户担心辐射影响健康。",
            "小区只有一家运营商能装宽带，价格高而且经常断网。",
        ],
        "requests": ["请协调运营商加快通信网络建设。", "希望对基站辐射进行检测并公开结果。"],
        "findings": ["经协调，三家通信运营商对{compound}进行了信号测试，地下车库信号覆盖不足。"],
        "actions": [
            "运营商已在{compound}地下车库加装室内分布系统，信号已实现全覆盖。",
            "{road}沿线新建5G基站{n2}座，已于{month}月开通。",
            "经第三方检测，该基站电磁辐射值远低于国家标准限值，检测报告已在小区公示。",
            "已督促物业公司向其他运营商开放小区通信管道，保障用户自主选择权。",
        ],
        "policy": ["根据《电信条例》，任何单位和个人不得阻止或者妨碍基础电信业务经营者依法从事电信设施建设。"],
    },
    {
        "key": "不动产登记", "category": "规划国土", "depts": ["市自然资源和规划局"],
        "words": ["不动产登记", "房产证", "不动产权证", "办证", "规划"],
        "aspects": ["办理", "延迟", "材料"],
        "titles": ["{compound}交房多年办不了房产证", "不动产登记办理时间过长", "{compound}周边规划咨询"],
        "problems": [
            "我们{compound}是{year0}年交的房，到现在{years}年了还办不下来房产证。",
            "开发商说因为欠缴土地出让金，所以办不了不动产权证。",
            "在不动产登记中心办理转移登记，材料交上去{n2}个工作日还没有结果。",
            "听说{compound}东边的空地要建垃圾焚烧厂，想了解一下规划情况。",
        ],
        "requests": ["请政府协调解决办证难问题。", "希望公开该地块的规划用途。"],
        "findings": ["经查，{compound}项目因开发商未完成竣工验收备案，暂不具备首次登记条件。"],
        "actions": [
            "我局已会同住建部门启动历史遗留问题专项处置，{compound}已于{month}月完成首次登记，业主可申请办理转移登记。",
            "不动产登记已实现“一窗受理、并联办理”，一般登记业务办理时限压缩至{n2}个工作日。",
            "该地块控制性详细规划为居住和公园绿地用地，没有建设垃圾焚烧厂的规划。",
        ],
        "policy": ["控制性详细规划经批准后在市自然资源和规划局网站公布，市民可随时查询。"],
    },
]

DISTRICT_DEPTS = [f"{d}人民政府" for d in DISTRICTS]
ALL_DEPTS = sorted({d for t in TOPICS for d in t["depts"]} | set(DISTRICT_DEPTS))

LETTER_OPENINGS = [
    "尊敬的市长：您好！", "市长您好！", "领导您好，", "您好！我是{district}{community}的居民。",
    "尊敬的领导：我是一名在{city}生活了{years}年的普通市民。", "各位领导好！",
    "您好，我想反映一个困扰我们很久的问题。",
]
LETTER_GENERIC = [
    "这个问题已经存在很长时间了，之前也向社区和街道反映过，但一直没有得到解决。",
    "周边居民意见很大，大家都盼着早日解决。",
    "我们作为普通市民，非常理解政府工作的难处，但是这关系到老百姓的切身利益。",
    "前段时间我拨打过12345热线，工单显示已办结，但问题依旧存在。",
    "附近还有学校和幼儿园，孩子们每天上下学都要经过这里。",
    "我已经拍了照片和视频，可以提供给相关部门作为参考。",
    "我们小区住的大多是退休职工，很多都是行动不便的老人。",
    "{street}的工作人员来看过一次，说这事不归他们管。",
    "希望这次能够真正解决，而不是一推了之。",
    "我的联系电话是138****{four}，欢迎工作人员随时联系。",
    "我和邻居{surname}某一起去物业问过，物业让我们找政府。",
]
LETTER_CLOSINGS = ["恳请相关部门尽快处理，谢谢！", "希望领导重视，给老百姓一个满意的答复。",
                   "盼复，谢谢！", "以上意见供参考，谢谢！", "麻烦您了，期待回复。"]
REPLY_OPENINGS = [
    "{label}：\n您好！您于{month}月{day}日通过{channel}反映的“{title}”的问题已收悉。{self}高度重视，立即安排专人进行调查处理，现将有关情况答复如下：",
    "{label}：\n您好！感谢您对我市工作的关心和支持。您反映的问题，经{self}认真调查核实，现答复如下：",
    "尊敬的{label}：\n您好！您通过{channel}反映的问题收悉。接件后，{self}会同{street}、{community}到现场进行了实地查看，现将办理情况答复如下：",
]
REPLY_GENERIC = [
    "下一步，我们将加强日常巡查，建立长效管理机制，防止问题反弹。",
    "我们将持续跟踪该问题的处理进展，并及时向您反馈。",
    "同时，我们已要求{street}和{community}加强宣传引导，做好群众解释工作。",
    "对于您提出的意见和建议，我们将在今后的工作中认真研究、积极采纳。",
    "办理过程中，工作人员已通过电话与您沟通了处理情况，您对处理结果表示认可。",
    "该问题涉及多个部门的职责，我们已按照“接诉即办”的要求牵头协调，明确了各方责任。",
    "我们已将此事纳入{district}民生实事督办清单，实行销号管理。",
    "工作人员于{month2}月{day2}日再次到现场进行了回访，整改措施已落实到位。",
]
REPLY_CLOSINGS = [
    "再次感谢您对我市{catword}工作的关心和支持！如有疑问，可拨打12345政务服务便民热线咨询。",
    "感谢您的监督和建议！如您对办理结果有异议，可在收到答复后15日内通过原渠道提出。",
    "欢迎您继续关注和支持我们的工作。",
]


@dataclass
class BenchPub:
    """A Publication-shaped object (what ``document_for`` and the API read)."""

    id: int
    title: str
    letter: str
    reply: str
    citizen_label: str
    department_name: str
    category_name: str
    kind: Kind
    channel: Channel
    adoption: Adoption | None
    satisfaction: Satisfaction | None
    submitted_at: dt.datetime
    replied_at: dt.datetime


def _fill(template: str, slots: dict[str, Any]) -> str:
    return template.format_map(slots)


def _slots(rng: random.Random, topic: dict[str, Any], dept: str) -> dict[str, Any]:
    road, road2 = rng.sample(ROADS, 2)
    month, month2 = rng.randint(1, 12), rng.randint(1, 12)
    district = rng.choice(DISTRICTS)
    return {
        "city": CITY, "district": district, "street": rng.choice(STREETS),
        "community": rng.choice(COMMUNITIES), "road": road, "road2": road2,
        "compound": rng.choice(COMPOUNDS), "hospital": rng.choice(HOSPITALS),
        "school": rng.choice(SCHOOLS), "park": rng.choice([f"{r}公园" for r in ("人民", "滨江", "南湖", "青年", "中山")]),
        "project": rng.choice([f"地铁{rng.randint(1, 9)}号线{road}站", f"{road}道路改造工程",
                               f"{rng.choice(COMPOUNDS)}二期", "市民中心", "城市快速路"]),
        "n": rng.randint(10, 900), "n2": rng.randint(2, 30), "n3": rng.randint(200, 2000),
        "years": rng.randint(3, 40), "year0": rng.randint(1985, 2010), "year1": rng.randint(2020, 2026),
        "month": month, "month2": month2, "day": rng.randint(1, 28), "day2": rng.randint(1, 28),
        "hour": rng.choice([21, 22, 23]), "meters": rng.randrange(50, 900, 10),
        "bldg": rng.randint(1, 36), "unit": rng.randint(1, 6), "floors": rng.randint(5, 33),
        "price": rng.choice(["0.8", "1.2", "1.5", "2.3", "24"]), "price2": rng.choice(["1.8", "2.5", "3.0", "28"]),
        "temp": rng.randint(12, 17), "db": rng.randint(60, 85), "age": rng.randint(80, 99),
        "line": rng.randint(1, 160), "four": f"{rng.randint(0, 9999):04d}",
        "surname": rng.choice(SURNAMES), "dept": dept,
        "self": "我局" if dept.endswith("局") else ("我委" if dept.endswith("委") else
                ("我中心" if dept.endswith("中心") else ("我们" if dept.endswith("政府") else "我支队"))),
        "catword": topic["category"],
    }


def _grow(rng: random.Random, parts: list[str], pools: Sequence[Sequence[str]], slots: dict[str, Any],
          target: int) -> list[str]:
    """Append sentences from ``pools`` (round robin, no repeats) until ``target`` characters."""
    used = set(parts)
    length = sum(len(p) for p in parts)
    tries = 0
    while length < target and tries < 60:
        pool = pools[tries % len(pools)]
        tries += 1
        sentence = _fill(rng.choice(pool), slots)
        if sentence in used:
            continue
        used.add(sentence)
        parts.append(sentence)
        length += len(sentence)
    return parts


def make_corpus(n: int, seed: int, letter_chars: tuple[int, int] = (180, 380)
                ) -> list[BenchPub]:
    """``n`` published replies, the same for the same seed; letters grow to a length
    drawn from ``letter_chars`` before their request and closing."""
    rng = random.Random(seed)
    start = dt.datetime(2019, 1, 1, tzinfo=UTC).timestamp()
    span = dt.datetime(2025, 12, 31, tzinfo=UTC).timestamp() - start
    weights = [rng.uniform(0.4, 2.5) for _ in TOPICS]  # some topics are far more common
    kinds = [Kind.COMPLAINT, Kind.REQUEST, Kind.CONSULTATION, Kind.SUGGESTION, Kind.PRAISE]
    channels = [Channel.MAILBOX, Channel.HOTLINE, Channel.SUGGESTION, Channel.COMMUNITY,
                Channel.MEETING, Channel.OPEN311]
    pubs = []
    for i in range(1, n + 1):
        topic = rng.choices(TOPICS, weights)[0]
        dept = rng.choice(DISTRICT_DEPTS) if rng.random() < 0.2 else rng.choice(topic["depts"])
        s = _slots(rng, topic, dept)
        kind = rng.choices(kinds, [40, 20, 20, 17, 3])[0]
        channel = rng.choices(channels, [40, 30, 10, 8, 4, 8])[0]
        replied = dt.datetime.fromtimestamp(start + rng.random() * span, tz=UTC).replace(microsecond=0)
        submitted = replied - dt.timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 23))
        title = _fill(rng.choice(topic["titles"]), s)
        if kind is Kind.SUGGESTION and not title.startswith("建议"):
            title = "建议解决" + title
        label = rng.choice(SURNAMES) + rng.choice(["先生", "女士"]) if rng.random() < 0.85 else "市民"
        s.update(title=title, label=label, channel=CHANNEL_WORDS[channel])
        other = rng.choice(TOPICS)
        # A letter: a few hundred characters by default.
        letter = [_fill(rng.choice(LETTER_OPENINGS), s)]
        target = rng.randint(*letter_chars)
        letter = _grow(rng, letter, [topic["problems"], topic["problems"], LETTER_GENERIC],
                       s, target)
        if sum(map(len, letter)) < target:  # long letters wander to neighbouring problems
            nearby = [p for t in rng.sample(TOPICS, 4) for p in t["problems"]]
            letter = _grow(rng, letter, [nearby, nearby, LETTER_GENERIC], s, target)
        if rng.random() < 0.2:  # people often mention a second problem
            letter.append(_fill(rng.choice(other["problems"]), s | {"road": s["road2"]}))
        letter.append(_fill(rng.choice(topic["requests"]), s))
        letter.append(rng.choice(LETTER_CLOSINGS))
        # A reply: longer, formulaic, in numbered sections.
        reply = [_fill(rng.choice(REPLY_OPENINGS), s), "\n一、基本情况。"]
        reply = _grow(rng, reply, [topic["findings"], REPLY_GENERIC], s, rng.randint(160, 260))
        reply.append("\n二、处理情况。")
        reply = _grow(rng, reply, [topic["actions"], topic["actions"], REPLY_GENERIC], s,
                      rng.randint(420, 700))
        reply.append("\n三、政策依据及下一步工作。")
        reply.append(_fill(rng.choice(topic["policy"]), s))
        reply = _grow(rng, reply, [REPLY_GENERIC], s, rng.randint(560, 950))
        reply.append("\n" + _fill(rng.choice(REPLY_CLOSINGS), s))
        reply.append(f"\n{dept}\n{replied.year}年{replied.month}月{replied.day}日")
        pubs.append(BenchPub(
            id=i, title=title[:200], letter="".join(letter), reply="".join(reply),
            citizen_label=label, department_name=dept, category_name=topic["category"],
            kind=kind, channel=channel,
            adoption=rng.choice(list(Adoption)) if kind is Kind.SUGGESTION else None,
            satisfaction=rng.choice([None, *Satisfaction]),
            submitted_at=submitted, replied_at=replied,
        ))
    return pubs
