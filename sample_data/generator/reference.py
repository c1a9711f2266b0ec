"""Reference data the tables draw from: geography, industries, the channel catalog, product lines, names.

Vocabularies the contract declares (statuses, sources, tiers...) are imported from ``ingestion.contract``
and the canonical stage codes are read from the dbt stages seed, rather than repeated here; the generator
indexes them by position (order status 4 is ``cancelled``), so their order is part of the output.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ingestion.contract import CONTRACT_BY_NAME

STAGES_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "stages.csv"


def _accepted(table: str, column: str) -> tuple[str, ...]:
    values = CONTRACT_BY_NAME[table].column(column).accepted_values
    assert values is not None, f"{table}.{column} has no accepted values in the contract"
    return values


BASE_CURRENCY = "CNY"
CURRENCIES = ("CNY", "USD", "EUR", "HKD")


def _seed_stages() -> tuple[tuple[str, ...], str]:
    """The open and won stage codes of the stages seed in stage_order, and its one lost stage."""
    with STAGES_SEED.open(encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["stage_order"]))
    lost = [r["stage_code"] for r in rows if r["is_lost_stage"] == "true"]
    assert len(lost) == 1, f"{STAGES_SEED} must have exactly one lost stage, has {lost}"
    return tuple(r["stage_code"] for r in rows if r["is_lost_stage"] != "true"), lost[0]


# The stage walk indexes stages 0..5 in pipeline order and uses index 6 for lost.
STAGES, LOST = _seed_stages()
STAGE_NAMES = (*STAGES, LOST)
REP_ROLES = _accepted("sales_reps", "role")  # indexed by the generator's role codes 0, 1, 2
ACCOUNT_TYPES = _accepted("accounts", "account_type")  # indexed by the generator's account type codes
CREDIT_RATINGS = _accepted("accounts", "credit_rating")  # A-D, indexes into the payer behaviour table

REGIONS = ("East", "North")
# (province, region, weight)
PROVINCES = (
    ("Shanghai", "East", 1.6),
    ("Jiangsu", "East", 1.8),
    ("Zhejiang", "East", 1.6),
    ("Anhui", "East", 0.7),
    ("Fujian", "East", 0.8),
    ("Shandong", "East", 1.2),
    ("Beijing", "North", 1.5),
    ("Tianjin", "North", 0.7),
    ("Hebei", "North", 0.8),
    ("Shanxi", "North", 0.5),
    ("Liaoning", "North", 0.8),
    ("Inner Mongolia", "North", 0.4),
)
PROVINCE_NAMES = tuple(p[0] for p in PROVINCES)
# (province, city, chinese name, tier)
CITIES = (
    ("Shanghai", "Shanghai", "上海", 1),
    ("Jiangsu", "Nanjing", "南京", 2),
    ("Jiangsu", "Suzhou", "苏州", 2),
    ("Jiangsu", "Wuxi", "无锡", 3),
    ("Jiangsu", "Xuzhou", "徐州", 3),
    ("Jiangsu", "Yancheng", "盐城", 4),
    ("Jiangsu", "Dongtai", "东台", 5),
    ("Zhejiang", "Hangzhou", "杭州", 2),
    ("Zhejiang", "Ningbo", "宁波", 2),
    ("Zhejiang", "Wenzhou", "温州", 3),
    ("Zhejiang", "Jinhua", "金华", 3),
    ("Zhejiang", "Lishui", "丽水", 4),
    ("Zhejiang", "Anji", "安吉", 5),
    ("Anhui", "Hefei", "合肥", 2),
    ("Anhui", "Wuhu", "芜湖", 3),
    ("Anhui", "Bengbu", "蚌埠", 4),
    ("Anhui", "Tongcheng", "桐城", 5),
    ("Fujian", "Fuzhou", "福州", 2),
    ("Fujian", "Xiamen", "厦门", 2),
    ("Fujian", "Quanzhou", "泉州", 3),
    ("Fujian", "Putian", "莆田", 4),
    ("Shandong", "Jinan", "济南", 2),
    ("Shandong", "Qingdao", "青岛", 2),
    ("Shandong", "Yantai", "烟台", 3),
    ("Shandong", "Weifang", "潍坊", 3),
    ("Shandong", "Heze", "菏泽", 4),
    ("Shandong", "Shouguang", "寿光", 5),
    ("Beijing", "Beijing", "北京", 1),
    ("Tianjin", "Tianjin", "天津", 2),
    ("Hebei", "Shijiazhuang", "石家庄", 3),
    ("Hebei", "Tangshan", "唐山", 3),
    ("Hebei", "Baoding", "保定", 3),
    ("Hebei", "Xingtai", "邢台", 4),
    ("Hebei", "Zhuozhou", "涿州", 5),
    ("Shanxi", "Taiyuan", "太原", 3),
    ("Shanxi", "Datong", "大同", 4),
    ("Shanxi", "Xiaoyi", "孝义", 5),
    ("Liaoning", "Shenyang", "沈阳", 2),
    ("Liaoning", "Dalian", "大连", 2),
    ("Liaoning", "Anshan", "鞍山", 4),
    ("Liaoning", "Wafangdian", "瓦房店", 5),
    ("Inner Mongolia", "Hohhot", "呼和浩特", 3),
    ("Inner Mongolia", "Baotou", "包头", 3),
    ("Inner Mongolia", "Ordos", "鄂尔多斯", 4),
    ("Inner Mongolia", "Manzhouli", "满洲里", 5),
)
# (region, city, chinese name, city tier or 0 = n/a, currency)
FOREIGN_CITIES = (
    ("Hong Kong", "Hong Kong", "香港", 1, "HKD"),
    ("Overseas", "Singapore", "新加坡", 0, "USD"),
    ("Overseas", "Los Angeles", "洛杉矶", 0, "USD"),
    ("Overseas", "Frankfurt", "法兰克福", 0, "EUR"),
    ("Overseas", "Milan", "米兰", 0, "EUR"),
)
INDUSTRIES = (
    "manufacturing",
    "retail",
    "healthcare",
    "education",
    "energy",
    "logistics",
    "construction",
    "food_beverage",
    "automotive",
    "electronics",
    "government",
    "finance",
)
INDUSTRY_CN = ("制造", "商贸", "医疗", "教育", "能源", "物流", "建设", "食品", "汽车", "电子", "公共服务", "金融")

# (channel_id, name, type, subtype)
CHANNELS = (
    ("CH01", "直销-大客户部", "direct", "key_account_team"),
    ("CH02", "官网商城", "direct", "official_site"),
    ("CH03", "经销商网络", "distribution", "distributor"),
    ("CH04", "区域代理", "agency", "regional_agent"),
    ("CH05", "天猫旗舰店", "ecommerce", "marketplace"),
    ("CH06", "京东自营", "ecommerce", "marketplace"),
    ("CH07", "抖音直播", "ecommerce", "content_commerce"),
    ("CH08", "跨境出口", "cross_border", "export_agent"),
)
CH_KEY, CH_SITE, CH_DIST, CH_AGENT, CH_TMALL, CH_JD, CH_DOUYIN, CH_XB = range(8)
CHANNEL_TYPE_OF = np.array([c[2] for c in CHANNELS])

# (code, chinese name, category, price low, price high)
PRODUCT_LINES = (
    ("sensors", "智能传感器", "hardware", 300, 3_000),
    ("controllers", "工业控制器", "hardware", 3_000, 30_000),
    ("software", "软件许可", "software", 8_000, 60_000),
    ("consumables", "耗材配件", "consumable", 30, 300),
    ("services", "技术服务", "service", 2_000, 20_000),
    ("smart_devices", "智能终端", "hardware", 800, 8_000),
)

# Sell-in discount range per partner tier, in the order of the contract's PARTNER_TIERS.
TIER_DISCOUNT = ((0.20, 0.30), (0.15, 0.25), (0.10, 0.20), (0.05, 0.15))

LOST_REASONS = ("price", "competitor", "no_budget", "timing", "no_decision", "requirements_mismatch")
PAYMENT_METHODS = ("bank_transfer", "acceptance_bill", "alipay", "wechat_pay", "letter_of_credit", "cash")
# Possible outcomes per activity type, in the order of the contract's ACTIVITY_TYPES.
ACTIVITY_OUTCOMES = (
    ("connected", "no_answer", "follow_up"),
    ("positive", "neutral", "negative"),
    ("sent", "replied", "no_reply"),
    ("positive", "neutral", "follow_up"),
    ("submitted", "revised", "submitted"),
    ("sent", "accepted", "rejected"),
    ("completed", "no_response", "completed"),
    ("completed", "completed", "follow_up"),
)
# In the order of the contract's LEAD_SOURCES.
LEAD_SOURCE_WEIGHT = np.array([0.15, 0.12, 0.20, 0.13, 0.12, 0.18, 0.10])
CAMPAIGN_THEMES = ("新品发布", "行业峰会", "白皮书", "直播课", "展会")

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN_NAMES = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华飞鹏辉玲丹萍鑫宇浩凯健俊帆旭宁琳晨欣怡婷博文")
BRAND_CHARS = list(dict.fromkeys("恒达华盛鑫源博远宏泰新锐中科永康瑞丰天成金海纳信诚长江东方"))
COMPANY_SUFFIXES = ("有限公司", "股份有限公司", "科技有限公司", "实业有限公司", "集团有限公司")
