"""The service types offered through Open311, and the attributes each one takes, as data.

A service is an incident category. Every service takes the attributes of a report that
Open311 has no parameter for (channel, time, GPS accuracy, 12345 work-order type); the
dispute service also takes the dispute's type and whether it is serious.
"""
from dataclasses import dataclass

from service.exports.labels import (CATEGORY_NAMES, CHANNEL_NAMES, DISPUTE_TYPE_NAMES,
                                    WORK_ORDER_TYPE_NAMES)


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # Open311's: string, number, datetime, text, singlevaluelist, multivaluelist
    description: str
    required: bool = False
    values: tuple = ()  # (key, name) pairs of a list

    def as_open311(self, order):
        return {"variable": True, "code": self.code, "datatype": self.datatype,
                "required": self.required, "datatype_description": None, "order": order,
                "description": self.description,
                "values": [{"key": key, "name": name} for key, name in self.values]}


COMMON_ATTRIBUTES = (
    Attribute("channel", "singlevaluelist", "来源渠道；不填为网格员上报",
              values=tuple(CHANNEL_NAMES.items())),
    Attribute("occurred_at", "datetime", "发生时间（RFC 3339，带时区，如 2023-05-04T09:30:00+08:00）；不填为现在"),
    Attribute("accuracy_m", "number", "定位精度（米）"),
    Attribute("work_order_type", "singlevaluelist", "12345 工单类型（决定办理时限）；仅 channel=hotline_12345",
              values=tuple(WORK_ORDER_TYPE_NAMES.items())),
)
DISPUTE_ATTRIBUTES = (
    Attribute("dispute_type", "singlevaluelist", "纠纷类型", required=True,
              values=tuple(DISPUTE_TYPE_NAMES.items())),
    Attribute("serious", "singlevaluelist", "重大纠纷（交镇人民调解委员会）；不填为否",
              values=(("false", "否"), ("true", "是"))),
)
ATTRIBUTE_CODES = tuple(a.code for a in COMMON_ATTRIBUTES + DISPUTE_ATTRIBUTES)


@dataclass(frozen=True)
class Service:
    code: str
    description: str
    group: str
    keywords: str

    @property
    def name(self):
        return CATEGORY_NAMES[self.code]

    @property
    def attributes(self):
        return DISPUTE_ATTRIBUTES + COMMON_ATTRIBUTES if self.code == "dispute" \
            else COMMON_ATTRIBUTES

    def as_open311(self):
        return {"service_code": self.code, "service_name": self.name,
                "description": self.description, "metadata": True, "type": "realtime",
                "keywords": self.keywords, "group": self.group}

    def definition(self):
        return {"service_code": self.code,
                "attributes": [a.as_open311(order) for order, a in
                               enumerate(self.attributes, start=1)]}


GRID_EVENTS, MEDIATION, PETITIONS = "网格事件", "矛盾纠纷调解", "信访"
SERVICES = {service.code: service for service in (
    Service("dispute", "邻里、婚姻家庭、宅基地、山林土地等矛盾纠纷；登记后分流到村（社区）或镇人民调解委员会",
            MEDIATION, "纠纷,调解,邻里,宅基地"),
    Service("public_security", "影响治安的隐患", GRID_EVENTS, "治安"),
    Service("safety_hazard", "消防、防汛、生产等安全隐患", GRID_EVENTS, "消防,防汛,安全生产"),
    Service("environment", "垃圾、污水、河道等环境卫生问题", GRID_EVENTS, "垃圾,污水,河道,卫生"),
    Service("public_service", "群众的民生服务诉求", GRID_EVENTS, "民生,服务"),
    Service("petition", "信访事项；按《信访工作条例》的时限办理并答复", PETITIONS, "信访"),
    Service("emergency", "需要立即处置的突发事件", GRID_EVENTS, "突发,应急"),
    Service("other", "其他事项", GRID_EVENTS, "其他"),
)}
