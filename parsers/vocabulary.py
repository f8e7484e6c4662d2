"""Phrase vocabulary as data, row by row as in spec/time-normalization.md.

Every table maps a word as written (after normalization) to what it means;
the matchers in ``parsers.timeexpr`` only say where the words may stand.
"""

from __future__ import annotations

# (month, day) of a due date inside the reference year; day -1 = month end.
YEAR_PART_DUE: dict[str, tuple[int, int]] = {
    "年初": (1, 31),
    "上半年": (6, 30),
    "年中": (6, 30),
    "下半年": (12, -1),
    "后半年": (12, -1),
    "年底前": (12, 31),
    "年底": (12, 31),
    "年末": (12, 31),
    "年内": (12, 31),
    "今年内": (12, 31),
    "今年底前": (12, 31),
    "今年底": (12, 31),
    "今年年底": (12, 31),
    "本年度": (12, 31),
    "本年度内": (12, 31),
    "全年": (12, 31),
    "年终": (12, 31),
}

QUARTER_END: dict[int, tuple[int, int]] = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
HALF_YEAR_END: dict[str, tuple[int, int]] = {"上半年": (6, 30), "下半年": (12, 31)}

# 旬 and month-part words: due day within the month (-1 = last day).
MONTH_PART_DUE: dict[str, int] = {
    "上中旬": 20,
    "中下旬": -1,
    "上旬": 10,
    "初": 10,
    "中旬": 20,
    "中": 20,
    "下旬": -1,
    "底": -1,
    "末": -1,
}
# The same words as the start of a range ("8月下旬至9月上旬"): first day.
MONTH_PART_START: dict[str, int] = {
    "上中旬": 1,
    "中下旬": 11,
    "上旬": 1,
    "初": 1,
    "中旬": 11,
    "中": 11,
    "下旬": 21,
    "底": -1,
    "末": -1,
}

# Default season bounds (month, day) .. (month, day); winter runs into the
# next year and ends on the last day of February.
SEASONS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "春": ((3, 1), (5, 31)),
    "夏": ((6, 1), (8, 31)),
    "秋": ((9, 1), (11, 30)),
    "冬": ((12, 1), (2, -1)),
    "秋冬": ((10, 1), (3, 31)),
    "冬春": ((12, 1), (5, 31)),
}

# Fixed-date holidays: "X前" is due on this (month, day) of the reference year.
SOLAR_HOLIDAY_EVE: dict[str, tuple[int, int]] = {
    "五一": (4, 30),
    "劳动节": (4, 30),
    "国庆": (9, 30),
    "国庆节": (9, 30),
    "元旦": (12, 31),
}

# Lunar holidays: (lunar month, lunar day); "X前" is due the day before.
LUNAR_HOLIDAYS: dict[str, tuple[int, int]] = {
    "春节": (1, 1),
    "元宵": (1, 15),
    "元宵节": (1, 15),
    "端午": (5, 5),
    "端午节": (5, 5),
    "中秋": (8, 15),
    "中秋节": (8, 15),
    "重阳": (9, 9),
    "重阳节": (9, 9),
}

# Solar terms (节气) read as days: those that are not also everyday words
# (雨水, 小雪, 大雪 name weather) nor holidays (清明).
SOLAR_TERMS: tuple[str, ...] = (
    "立春", "惊蛰", "春分", "谷雨", "立夏", "小满", "芒种", "夏至", "小暑", "大暑", "立秋", "处暑",
    "白露", "秋分", "寒露", "霜降", "立冬", "冬至", "小寒", "大寒",
)  # fmt: skip

# Holiday names as chinese_calendar calls them, for "X期间" windows.
HOLIDAY_WINDOW_NAMES: dict[str, str] = {
    "春节": "Spring Festival",
    "国庆": "National Day",
    "国庆节": "National Day",
    "五一": "Labour Day",
    "劳动节": "Labour Day",
    "元旦": "New Year's Day",
    "端午": "Dragon Boat Festival",
    "端午节": "Dragon Boat Festival",
    "中秋": "Mid-autumn Festival",
    "中秋节": "Mid-autumn Festival",
    "清明": "Tomb-sweeping Day",
    "清明节": "Tomb-sweeping Day",
}

# 每周一 .. 每周日: the RRULE weekday.
WEEKDAYS: dict[str, str] = {
    "一": "MO",
    "二": "TU",
    "三": "WE",
    "四": "TH",
    "五": "FR",
    "六": "SA",
    "日": "SU",
    "天": "SU",
}

# Cadence words with no number: the RRULE each one means.
CADENCES: dict[str, str] = {
    "每天": "FREQ=DAILY",
    "每日": "FREQ=DAILY",
    "全天候": "FREQ=DAILY",
    "每个工作日": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    # A week with no day named is due on its last working day (spec).
    "每两周": "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
    "每周": "FREQ=WEEKLY;BYDAY=FR",
    "每星期": "FREQ=WEEKLY;BYDAY=FR",
    "旬报告": "FREQ=MONTHLY;BYMONTHDAY=10,20,-1",
    "旬报": "FREQ=MONTHLY;BYMONTHDAY=10,20,-1",
    "每旬": "FREQ=MONTHLY;BYMONTHDAY=10,20,-1",
    "每半月": "FREQ=MONTHLY;BYMONTHDAY=15,-1",
    "半月报": "FREQ=MONTHLY;BYMONTHDAY=15,-1",
    "每月": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "每个月": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "月月": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "月清": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "逐月": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "按月": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "每季度": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "每季度末": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "每季度底": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "每季末": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "每个季度": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "按季度": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "每季": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "季核": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "每半年": "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1",
    "每年年初": "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=31",
    "每年年底": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
    "每年年末": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
    "每年": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
    "按年度": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
    "年度效能目标": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
    # 年度…考核/考评/评估 (annual assessments) are matched by a rule in timeexpr/recurring.py.
}

# A period and a routine done once in each ("月调度、季通报、年考核",
# "月度通报"): the period's rule.
ROUTINE_PERIODS: dict[str, str] = {
    "周": "FREQ=WEEKLY;BYDAY=FR",
    "旬": "FREQ=MONTHLY;BYMONTHDAY=10,20,-1",
    "月": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "季": "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1",
    "年": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
}
ROUTINES: tuple[str, ...] = (
    "调度",
    "通报",
    "报告",
    "分析",
    "总结",
    "小结",
    "点评",
    "督查",
    "会商",
    "研判",
    "考核",
    "例会",
)

# After a cadence word, these mean a rate or an amount, not a schedule
# ("每人每天补助3元", "每年给予1万元补贴").
RATE_FOLLOWERS: tuple[str, ...] = ("补助", "补贴", "给予", "奖励", "扣发", "收取", "不超过", "最多")
RATE_LEADERS: tuple[str, ...] = ("每人", "每户", "每名", "每辆", "每家", "每亩", "每吨")
# A clause holding one of these after a cadence word states a rate
# ("每月价格临时补贴标准提高1倍").
RATE_WORDS: tuple[str, ...] = ("元", "补贴", "补助", "津贴", "工资", "费用", "标准提高")

# Clearly temporal, never datable.
UNRESOLVED: tuple[str, ...] = (
    "秋冬农闲",
    "农闲季节",
    "农忙季节",
    "农忙时节",
    "农忙期间",
    "夏收期间",
    "秋收期间",
    "三夏期间",
    "三秋期间",
    "重要节点期间",
    "重要时间节点",
    "重要节点",
    "汛前",
    "届时另行通知",
    "极端天气期间",
    "重大活动期间",
    "农闲时节",
    "农闲期间",
    "重要节庆",
    "重要节日",
    "重大节假日",
    "节假日期间",
    "高温期间",
    "汛期",
    "主汛期",
    "防汛期间",
    "雨季",
    "暑假期间",
    "寒假期间",
    "寒暑假",
    "岁末年初之际",
    # ("本月底前", "本周内", "下周一": timeexpr/notice.py, unresolved when
    # the text gives no issue date to count from.)
)

# Words that make a date name a past event or another document.
PAST_MARKERS: tuple[str, ...] = (
    "以来",
    "印发的",
    "印发)",  # "《…办法》(2023年5月8日印发)": the document's own date
    "发布)",
    "发布的",
    "颁布",
    "出台的",
    "召开的",
    "通过的",
    "确定的",
    "制定的",
    "提出的",
    "是",
    "已",  # "12月底已完成验收"
    "修正",  # a law's or a document's own date: "(2021年6月10日修正)"
    "修订",
)

# After a bare date, these make it the name of an event ("3月31日…会议精神").
EVENT_NOUNS: tuple[str, ...] = ("会议", "讲话", "批示", "重要指示", "全会")

# A target year at the start of a clause is a milestone only when the
# clause states a target ("2025年全县…达到100亿元").
TARGET_VERBS: tuple[str, ...] = (
    "预期目标",
    "主要目标",
    "达到",
    "实现",
    "完成",
    "建成",
    "形成",
    "基本",
    "全面",
    "力争",
    "确保",
    "突破",
    "超过",
    "提高到",
    "提升到",
    "控制在",
    "启动",
    "覆盖",
)

# A bare month followed by one of these is when the work is done, so a
# deadline ("于3月份完成方案制定"); before other verbs it is as often the
# month the work goes on in ("3月开展排查").
DONE_VERBS: tuple[str, ...] = (
    "完成",
    "建成",
    "完工",
    "竣工",
    "报送",
    "上报",
    "印发",
    "出台",
    "办结",
    "交付",
    "通过验收",
    # finished everywhere by then: "6月份全面推开", "9月底前基本完成"
    "全面完成",
    "基本完成",
    "全部完成",
    "全面建成",
    "基本建成",
    "全面推开",
    "全面推行",
    "全面铺开",
    "实现全覆盖",
)

# Units of a relative offset as the spec names them.
OFFSET_UNITS: dict[str, str] = {
    "工作日": "workday",
    "个工作日": "workday",
    "日": "day",
    "天": "day",
    "自然日": "day",
    "个自然日": "day",
    "周": "week",
    "个星期": "week",
    "星期": "week",
    "个月": "month",
    "月": "month",
    "小时": "hour",
    "个小时": "hour",
}

# Event verbs that begin the anchor of a relative offset ("…作出决定后").
EVENT_VERBS: tuple[str, ...] = (
    "作出",
    "做出",
    "收到",
    "接到",
    "受理",
    "完成",
    "结束",
    "印发",
    "发布",
    "签订",
    "提交",
    "确认",
    "发生",
    "公布",
    "批准",
    "取得",
    "核查",
    "办结",
    "申请",
    "到达",
    "发现",
    "报送",
    "开展",
    "召开",
    "举办",
    "举行",
    "开始",
    "启动",
    "期满",
    "到期",
)

# A completion-time field: here "持续推进" and "长期坚持" mean ongoing.
COMPLETION_FIELDS: tuple[str, ...] = ("完成时间", "完成时限", "时限要求", "完成期限", "时间节点")
ONGOING_IN_FIELD: tuple[str, ...] = ("长期坚持", "持续推进", "长期")

# Words in a table header that make its column name owners: leading units
# (a 牵头 column leads over a 责任 one), and units that work with them.
# ("乡镇(单位)", "单位": a column naming who does the row's work.)
# ("县级河湖长", "林长": the officials a 河湖长制/林长制 table assigns.)
LEAD_COLUMN_WORDS: tuple[str, ...] = ("牵头", "责任", "主办", "主责", "负责", "单位", "河湖长", "河长", "湖长", "林长")
SUPPORT_COLUMN_WORDS: tuple[str, ...] = ("配合", "协办", "参与", "协同", "协助")
# Words in a table header that make its column a completion time.
TIME_COLUMN_WORDS: tuple[str, ...] = ("时间", "时限", "期限", "节点")
