"""Chinese names of the codes that exports and charts show (DOMAIN.md's terms)."""
from service.disputes.workflow import STATUS_NAMES as DISPUTE_STATUS_NAMES
from service.incidents.workflow import STATUS_NAMES as INCIDENT_STATUS_NAMES

CATEGORY_NAMES = {
    "dispute": "矛盾纠纷", "public_security": "治安隐患", "safety_hazard": "安全隐患",
    "environment": "环境卫生", "public_service": "民生服务", "petition": "信访诉求",
    "emergency": "突发事件", "other": "其他",
}
CHANNEL_NAMES = {
    "grid_worker": "网格员上报", "walk_in": "来访", "online": "网上", "hotline_12345": "12345热线",
    "letter": "来信",
}
DISPUTE_TYPE_NAMES = {
    "marriage_family": "婚姻家庭", "neighbour": "邻里", "housing_homestead": "房屋宅基地",
    "contract": "合同", "production_business": "生产经营", "damages": "损害赔偿",
    "land_forest": "山林土地", "land_acquisition": "征地拆迁", "pollution": "环境污染",
    "labour": "劳动争议", "consumer": "消费", "medical": "医疗", "traffic": "道路交通事故",
    "property_management": "物业", "other": "其他",
}
WORK_ORDER_TYPE_NAMES = {
    "enquiry": "咨询", "help": "求助", "suggestion": "建议", "complaint": "投诉", "report": "举报",
}
COMMITTEE_LEVEL_NAMES = {"town": "镇级", "village": "村级"}
AGREEMENT_FORM_NAMES = {"written": "书面", "oral": "口头"}
DOCUMENT_KIND_NAMES = {
    "application": "调解申请书", "identity": "当事人身份证明", "investigation": "调查记录",
    "evidence": "证据材料", "agreement": "调解协议书", "performance": "履行凭证",
    "judicial_confirmation": "司法确认文书", "other": "其他材料",
}

__all__ = ["AGREEMENT_FORM_NAMES", "CATEGORY_NAMES", "CHANNEL_NAMES", "COMMITTEE_LEVEL_NAMES",
           "DISPUTE_STATUS_NAMES", "DISPUTE_TYPE_NAMES", "DOCUMENT_KIND_NAMES", "INCIDENT_STATUS_NAMES",
           "WORK_ORDER_TYPE_NAMES", "name_of"]


def name_of(names, code):
    """The Chinese name of a code; the code itself when it has none (never an empty cell)."""
    if code is None:
        return None
    return names.get(code, code)
